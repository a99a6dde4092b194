// What App.tsx registers for the Queue and the History.
export { QueueList } from './QueueList';
export { DeliveryShow } from './DeliveryShow';
export { HistoryPage } from '../history/HistoryPage';

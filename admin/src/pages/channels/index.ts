// The Channels pages, as App.tsx registers them: <Resource name="channels" list edit create>.
export { ChannelEdit } from './ChannelEdit';
export { ChannelList } from './ChannelList';
export { ConnectChannel } from './ConnectChannel';

// The queue's filters, always shown (a row of labelled inputs the keyboard reaches in order, no "add filter" menu):
// channel, status, source, a date range (the viewer's days, both included) and a part of the text.
import { DateInput, ReferenceInput, SelectInput, TextInput } from 'react-admin';

export const DELIVERY_STATUSES = ['SCHEDULED', 'PENDING', 'AWAITING_APPROVAL', 'PUBLISHING', 'PUBLISHED', 'FAILED', 'UNCONFIRMED', 'DRAFT', 'CANCELLED'] as const;
export const POST_SOURCES = ['MANUAL', 'IMPORT', 'PRODUCT', 'ARTICLE'] as const;

const choices = (values: readonly string[], prefix: string) => values.map((id) => ({ id, name: `${prefix}.${id}` }));

export const queueFilters = [
  <TextInput key="q" source="q" label="postflow.queue.filters.text" alwaysOn resettable />,
  <ReferenceInput key="channelId" source="channelId" reference="channels" alwaysOn>
    <SelectInput label="postflow.queue.filters.channel" optionText="name" emptyText="postflow.queue.filters.any" />
  </ReferenceInput>,
  <SelectInput
    key="status"
    source="status"
    label="postflow.queue.filters.status"
    choices={choices(DELIVERY_STATUSES, 'postflow.queue.status')}
    emptyText="postflow.queue.filters.any"
    alwaysOn
  />,
  <SelectInput
    key="source"
    source="source"
    label="postflow.queue.filters.source"
    choices={choices(POST_SOURCES, 'postflow.queue.source')}
    emptyText="postflow.queue.filters.any"
    alwaysOn
  />,
  <DateInput key="from" source="from" label="postflow.queue.filters.from" alwaysOn />,
  <DateInput key="to" source="to" label="postflow.queue.filters.to" alwaysOn />,
];

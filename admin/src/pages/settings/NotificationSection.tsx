// The person's notification preferences in this workspace: one choice per kind, saved as it is changed.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { List, ListItem, MenuItem, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { useApiAction } from '../workspace/actions';
import { LoadError, PageSection } from '../workspace/PageSection';

const NOTIFICATIONS_KEY = ['postflow', 'notificationPreferences'];
const DELIVERIES = ['CONSOLE', 'MAIL', 'DIGEST', 'OFF'] as const;

interface Preference {
  kind: string;
  delivery: (typeof DELIVERIES)[number];
  description: string;
  isDefault: boolean;
}

export function NotificationSection() {
  const translate = useTranslate();
  const queryClient = useQueryClient();
  const { run, busy } = useApiAction();
  const preferences = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: async () =>
      (await gql<{ notificationPreferences: Preference[] }>('query NotificationPreferences { notificationPreferences { kind delivery description isDefault } }'))
        .notificationPreferences,
  });
  const change = (kind: string, delivery: string) =>
    run(
      async () => {
        const answer = await gql<{ updateNotificationPreferences: Preference[] }>(
          'mutation UpdateNotificationPreferences($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { kind delivery description isDefault } }',
          { input: { preferences: [{ kind, delivery }] } },
        );
        queryClient.setQueryData(NOTIFICATIONS_KEY, answer.updateNotificationPreferences);
      },
      { success: 'postflow.settings.notificationSaved' },
    );
  return (
    <PageSection title={translate('postflow.settings.notifications')} id="settings-notifications">
      <LoadError error={preferences.error} />
      <List dense>
        {(preferences.data ?? []).map((preference) => (
          <ListItem key={preference.kind} disableGutters>
            <TextField
              select
              fullWidth
              size="small"
              label={translate(`postflow.settings.notificationKind.${preference.kind}`, { _: preference.kind })}
              helperText={preference.description}
              value={preference.delivery}
              disabled={busy}
              onChange={(event) => void change(preference.kind, event.target.value)}
            >
              {DELIVERIES.map((delivery) => (
                <MenuItem key={delivery} value={delivery}>
                  {translate(`postflow.settings.delivery.${delivery}`)}
                </MenuItem>
              ))}
            </TextField>
          </ListItem>
        ))}
      </List>
    </PageSection>
  );
}

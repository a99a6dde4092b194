// A titled card of a workspace page, and the API's refusal or failure in place of what it could not load (a role too
// low for this part shows the API's FORBIDDEN message rather than an empty or broken page).
import type { ReactNode } from 'react';
import { Alert, Card, CardContent, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';

export function PageSection({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id} sx={{ mb: 2 }}>
      <CardContent>
        <Typography component="h2" variant="h6" id={id} sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap', mb: 1 }}>
          {title}
          {actions}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

export function LoadError({ error }: { error: Error | null }) {
  const translate = useTranslate();
  if (!error) return null;
  return (
    <Alert severity="warning" role="alert">
      {translate('postflow.workspace.loadFailed', { message: error.message })}
    </Alert>
  );
}

// The frame of each workspace page: the browser title, one h1, and room that stays inside a phone's width.
import type { ReactNode } from 'react';
import { Box, Typography } from '@mui/material';
import { Title } from 'react-admin';

export function WorkspacePage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box sx={{ py: 2, minWidth: 0, maxWidth: '100%' }}>
      <Title title={title} />
      <Typography component="h1" variant="h5" sx={{ mb: 2 }}>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

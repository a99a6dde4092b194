// A button that asks before it acts (removing, revoking, leaving): react-admin's confirmation dialog.
import { useState, type ReactNode } from 'react';
import { Button, type ButtonProps } from '@mui/material';
import { Confirm } from 'react-admin';

export function ConfirmAction({
  label,
  title,
  content,
  onConfirm,
  color = 'error',
  disabled,
  ariaLabel,
  startIcon,
}: {
  label: string;
  title: string;
  content: ReactNode;
  onConfirm: () => Promise<unknown>;
  color?: ButtonProps['color'];
  disabled?: boolean;
  ariaLabel?: string;
  startIcon?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button size="small" color={color} disabled={disabled} aria-label={ariaLabel} startIcon={startIcon} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Confirm
        isOpen={open}
        loading={busy}
        title={title}
        content={content}
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setOpen(false);
          }
        }}
      />
    </>
  );
}

// One post awaiting approval: its text, where and when it would go (in the viewer's time zone, named), its comments
// and decisions, a comment box (an author's), and the decision with its comment (an ADMIN's; changes and rejection
// need one, which the API checks too).
import { useId, useState } from 'react';
import { Box, Button, Card, CardContent, Chip, List, ListItem, ListItemText, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { useApiAction } from '../workspace/actions';
import { useMyRole } from '../workspace/role';
import { addComment, APPROVAL_KEY, decide, type Decision, type PendingPost } from './data';

// dateStyle and timeStyle do not combine with timeZoneName: the parts are named instead.
const whenFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
const commentFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

export function ApprovalCard({ post }: { post: PendingPost }) {
  const translate = useTranslate();
  const headingId = useId();
  const { atLeast } = useMyRole();
  const { run, busy } = useApiAction();
  const [text, setText] = useState('');
  const [comment, setComment] = useState('');
  const act = async (decision: Decision) => {
    const done = await run(() => decide(decision, post.id, text.trim()), { success: `postflow.approval.done.${decision}`, invalidate: [APPROVAL_KEY] });
    if (done !== undefined) setText('');
  };
  const waiting = post.deliveries.filter((delivery) => delivery.status === 'AWAITING_APPROVAL');
  return (
    <Card component="article" aria-labelledby={headingId} sx={{ mb: 2 }} data-testid={`approval-${post.id}`}>
      <CardContent>
        <Typography component="h2" variant="subtitle1" id={headingId} sx={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
          {post.content}
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', my: 1 }}>
          {waiting.map((delivery) => (
            <Chip
              key={delivery.id}
              size="small"
              label={`${delivery.channel.name} · ${delivery.scheduledAt ? whenFormat.format(new Date(delivery.scheduledAt)) : translate('postflow.approval.noTime')}`}
            />
          ))}
        </Box>
        {post.mediaUrls.length > 0 && <Typography variant="body2">{translate('postflow.approval.media', { smart_count: post.mediaUrls.length })}</Typography>}
        <Typography component="h3" variant="subtitle2" sx={{ mt: 1 }}>
          {translate('postflow.approval.activity')}
        </Typography>
        {post.comments.length ? (
          <List dense>
            {post.comments.map((item) => (
              <ListItem key={item.id} disableGutters>
                <ListItemText
                  primary={`${translate(`postflow.approval.kinds.${item.kind}`)}: ${item.text}`}
                  secondary={`${item.author?.email ?? item.guestName ?? translate('postflow.workspace.none')} · ${commentFormat.format(new Date(item.createdAt))}`}
                />
              </ListItem>
            ))}
          </List>
        ) : (
          <Typography variant="body2" color="text.secondary">
            {translate('postflow.approval.noActivity')}
          </Typography>
        )}
        {atLeast('EDITOR') && (
          <Box
            component="form"
            sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}
            onSubmit={(event) => {
              event.preventDefault();
              void run(() => addComment(post.id, comment.trim()), { success: 'postflow.approval.commented', invalidate: [APPROVAL_KEY] }).then(
                (done) => done !== undefined && setComment(''),
              );
            }}
          >
            <TextField
              size="small"
              required
              label={translate('postflow.approval.comment')}
              value={comment}
              onChange={(event) => setComment(event.target.value)}
              sx={{ flex: '1 1 220px' }}
            />
            <Button type="submit" disabled={busy || !comment.trim()}>
              {translate('postflow.approval.addComment')}
            </Button>
          </Box>
        )}
        {atLeast('ADMIN') && (
          <Box sx={{ mt: 2 }}>
            <TextField
              fullWidth
              size="small"
              multiline
              label={translate('postflow.approval.decisionText')}
              helperText={translate('postflow.approval.decisionHelp')}
              value={text}
              onChange={(event) => setText(event.target.value)}
            />
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
              <Button variant="contained" color="success" disabled={busy} onClick={() => void act('approve')}>
                {translate('postflow.approval.approve')}
              </Button>
              <Button variant="outlined" disabled={busy || !text.trim()} onClick={() => void act('requestChanges')}>
                {translate('postflow.approval.requestChanges')}
              </Button>
              <Button variant="outlined" color="error" disabled={busy || !text.trim()} onClick={() => void act('reject')}>
                {translate('postflow.approval.reject')}
              </Button>
            </Box>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}

// Approval: the posts awaiting an approval, newest first, each with its channels and times, its comments and
// decisions so far, and (for an ADMIN) approve, request changes or reject with a comment. Live: every approval step
// and comment in the workspace (postActivity) refetches the list.
import { useInfiniteQuery } from '@tanstack/react-query';
import { Alert, Button } from '@mui/material';
import { useTranslate } from 'react-admin';
import { useLiveInvalidate } from '../../live';
import { LoadError } from '../workspace/PageSection';
import { WorkspacePage } from '../workspace/WorkspacePage';
import { ApprovalCard } from './ApprovalCard';
import { APPROVAL_KEY, fetchPending } from './data';

export function ApprovalPage() {
  const translate = useTranslate();
  useLiveInvalidate('subscription ApprovalActivity { postActivity { postId kind } }', [APPROVAL_KEY]);
  const pending = useInfiniteQuery({
    queryKey: APPROVAL_KEY,
    queryFn: ({ pageParam }) => fetchPending(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.pageInfo.hasNextPage ? last.pageInfo.endCursor : undefined),
  });
  const posts = pending.data?.pages.flatMap((page) => page.edges.map((edge) => edge.node)) ?? [];
  return (
    <WorkspacePage title={translate('postflow.approval.title')}>
      <LoadError error={pending.error} />
      {pending.data && !posts.length && <Alert severity="info">{translate('postflow.approval.empty')}</Alert>}
      {posts.map((post) => (
        <ApprovalCard key={post.id} post={post} />
      ))}
      {pending.hasNextPage && (
        <Button onClick={() => void pending.fetchNextPage()} disabled={pending.isFetchingNextPage}>
          {translate('postflow.workspace.loadMore')}
        </Button>
      )}
    </WorkspacePage>
  );
}

// The Approval page (pages/approval/).
export const approvalMessages = {
  approval: {
    title: 'Approval',
    menu: 'Approval',
    empty: 'No post is waiting for an approval.',
    noTime: 'no time yet',
    media: '%{smart_count} image or video |||| %{smart_count} images or videos',
    activity: 'Comments and decisions',
    noActivity: 'None yet.',
    kinds: { COMMENT: 'Comment', APPROVED: 'Approved', CHANGES_REQUESTED: 'Changes requested', REJECTED: 'Rejected' },
    comment: 'Comment',
    addComment: 'Add comment',
    commented: 'Comment added',
    decisionText: 'Comment or reason',
    decisionHelp: 'Optional to approve; needed to request changes or to reject.',
    approve: 'Approve',
    requestChanges: 'Request changes',
    reject: 'Reject',
    done: { approve: 'Post approved', requestChanges: 'Changes requested', reject: 'Post rejected' },
  },
};

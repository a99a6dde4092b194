// Shareable preview links (issue 12, section 3): a read-only view of one post for someone without an account (an
// agency's client), as Postiz offers. The link carries 32 random bytes; only their SHA-256 is stored, so a backup
// opens nothing. A link expires (14 days unless told, 90 at most), can be revoked, and may let its holder comment as
// a guest (the default: the approver outside comments, an ADMIN decides). Every look-up by token, found or not, is
// counted per client address first, so guessing costs the throttle long before it could find anything.
import { createHash, randomBytes } from 'node:crypto';
import { AppError, notFound } from '../domain/errors.js';
import type { Actor } from '../domain/audit.js';
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import type { PlatformName } from '../integrations/types.js';
import { recordAudit } from '../store/audit.js';
import { findUsablePreviewLink, insertPreviewLink, revokePreviewLink as revokeLinkRow, type UsablePreviewLink } from '../store/previewLinks.js';
import { transaction } from '../store/sql.js';
import { addGuestComment, checkComment } from './approval.js';
import { findPost } from './postLookup.js';
import { spend } from './throttles.js';
import { Issues, isUuid } from './validation.js';
import type { ServiceDeps } from './deps.js';

export const PREVIEW_PATH = '/preview';
export const DEFAULT_PREVIEW_DAYS = 14;
export const MAX_PREVIEW_DAYS = 90;
const MAX_GUEST_NAME = 80;

const hashPreviewToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CreatedPreviewLink {
  /** The link to hand out: shown once, never stored. */
  link: string;
  previewLinkId: string;
}

export async function createPreviewLink(
  deps: ServiceDeps,
  auth: Actor,
  postId: string,
  options: { expiresInDays?: number | null; allowComments?: boolean | null },
): Promise<CreatedPreviewLink> {
  const days = options.expiresInDays ?? DEFAULT_PREVIEW_DAYS;
  const issues = new Issues();
  issues.check(
    Number.isInteger(days) && days >= 1 && days <= MAX_PREVIEW_DAYS,
    ['expiresInDays'],
    'range',
    `expiresInDays must be a whole number of days from 1 to ${MAX_PREVIEW_DAYS}`,
  );
  issues.throwIfAny();
  await findPost(deps, auth.workspaceId, postId);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + days * 86_400_000);
  const allowComments = options.allowComments ?? true;
  const previewLinkId = await transaction(deps.pool, async (client) => {
    const id = await insertPreviewLink(client, { workspaceId: auth.workspaceId, postId, tokenHash: hashPreviewToken(token), expiresAt, allowComments });
    await recordAudit(client, { actor: auth, action: 'preview_link.created', target: { type: 'preview_link', id }, details: { postId, expiresAt, allowComments } });
    return id;
  });
  return { link: `${deps.config.publicUrl}${PREVIEW_PATH}/${token}`, previewLinkId };
}

/** Revoked at once: the next look-up with its token finds nothing. Revoking twice is harmless. */
export async function revokePreviewLink(deps: ServiceDeps, auth: Actor, id: string): Promise<string> {
  await transaction(deps.pool, async (client) => {
    const revoked = isUuid(id) ? await revokeLinkRow(client, auth.workspaceId, id) : null;
    if (!revoked) throw notFound('Preview link', id);
    await recordAudit(client, { actor: auth, action: 'preview_link.revoked', target: { type: 'preview_link', id }, details: { postId: revoked.postId } });
  });
  return id;
}

/** What a link's holder sees: the post as it will go out, and nothing else of the workspace (no ids, no emails). */
export interface SharedPostView {
  content: string;
  mediaUrls: string[];
  targets: { platform: PlatformName; channelName: string; content: string; status: DeliveryStatus; scheduledAt: Date | null; publishedAt: Date | null }[];
  /** Guests' comments only: the team's own comments and decisions stay inside the workspace. */
  comments: { name: string; text: string; createdAt: Date }[];
  allowComments: boolean;
  expiresAt: Date;
}

export async function openSharedPost(deps: ServiceDeps, token: string, clientIp: string): Promise<SharedPostView> {
  const link = await usableLink(deps, token, clientIp);
  const post = await deps.prisma.post.findFirst({
    where: { id: link.postId, workspaceId: link.workspaceId },
    include: {
      deliveries: { where: { channel: { deletedAt: null } }, include: { channel: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
      comments: { where: { guestName: { not: null } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    },
  });
  if (!post) throw unusable();
  return {
    content: post.content,
    mediaUrls: post.mediaUrls,
    targets: post.deliveries.map((d) => ({
      platform: d.channel.platform as PlatformName,
      channelName: d.channel.name,
      content: d.contentOverride ?? post.content,
      status: d.status,
      scheduledAt: d.scheduledAt,
      publishedAt: d.publishedAt,
    })),
    comments: post.comments.map((c) => ({ name: c.guestName!, text: c.text, createdAt: c.createdAt })),
    allowComments: link.allowComments,
    expiresAt: link.expiresAt,
  };
}

/** A guest's comment, marked as one (the name they give, no account); counted per link as well as per address. */
export async function commentOnSharedPost(deps: ServiceDeps, token: string, name: string, text: string, clientIp: string): Promise<SharedPostView['comments'][number]> {
  const link = await usableLink(deps, token, clientIp);
  if (!link.allowComments) throw new AppError('FORBIDDEN', 'This preview link does not take comments: ask the team for one that does');
  const guestName = name.trim();
  const issues = new Issues();
  issues.check(guestName.length > 0, ['name'], 'required', 'name must not be empty: say who you are');
  issues.check(guestName.length <= MAX_GUEST_NAME, ['name'], 'maxLength', `name may have at most ${MAX_GUEST_NAME} characters`);
  issues.throwIfAny();
  const checked = checkComment(text, ['text'], true)!;
  await spend(deps.throttles.previewCommentsLink, link.id, 'comments through this preview link');
  const id = await addGuestComment(deps, link, guestName, checked);
  const saved = await deps.prisma.postComment.findUniqueOrThrow({ where: { id } });
  return { name: guestName, text: saved.text, createdAt: saved.createdAt };
}

const unusable = () => new AppError('NOT_FOUND', 'This preview link is not valid: revoked, expired or mistyped. Ask the team for a new one');

async function usableLink(deps: ServiceDeps, token: string, clientIp: string): Promise<UsablePreviewLink> {
  await spend(deps.throttles.previewIp, clientIp, 'preview links opened from this address');
  const link = token.length <= 100 ? await findUsablePreviewLink(deps.pool, hashPreviewToken(token)) : null;
  if (!link) throw unusable();
  return link;
}

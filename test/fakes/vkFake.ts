// A loopback VK: the API methods PostFlow calls (POST /method/<name>, form-encoded, answering HTTP 200 with
// { response } or { error: { error_code, error_msg, request_params } }), the wall photo upload server, and VK ID's
// authorize page and token endpoint (id.vk.com/authorize, /oauth2/auth with PKCE and device_id, rotating refresh
// tokens). wall.post drops a repeated guid for an hour, as VK's method reference says (what it answers then, the
// first post's id here, is unverified), and refuses a 51st post on a wall in a day with error 214.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { ResponseScript, parseBody, s256, sendJson, startHttpServer, type FakeServer } from './httpFake.js';

export interface VkWallPost {
  id: number;
  ownerId: number;
  fromGroup: boolean;
  message: string;
  attachments: string[];
  guid: string | null;
}

export interface VkScriptedError {
  code: number;
  message: string;
}

export interface VkFakeOptions {
  /** Posts a wall accepts per day before error 214 (default 50). */
  dailyPostLimit?: number;
}

export interface VkFake extends FakeServer, ContractFake {
  clientId: string;
  userId: number;
  groupId: number;
  screenName: string;
  groupScreenName: string;
  posts: VkWallPost[];
  /** Every API call as "method {params without access_token}". */
  calls: { method: string; params: Record<string, string> }[];
  /** The bodies the token endpoint received. */
  tokenRequests: Record<string, string>[];
  photos: { ownerId: number; id: number; size: number }[];
  /** Tokens as VK ID would issue them after a login, for tests that start connected. */
  issueTokens(): { accessToken: string; refreshToken: string; deviceId: string };
  /** The next call of `method` answers this VK error instead. */
  failNext(method: string, error: VkScriptedError): void;
}

const VALIDATION_MESSAGE = 'One of the parameters specified was missing or invalid: message is too long';
const HOUR_MS = 60 * 60 * 1000;

export async function startVkFake(options: VkFakeOptions = {}): Promise<VkFake> {
  const clientId = '51234567';
  const userId = 1001;
  const groupId = 2002;
  const screenName = 'alice_vk';
  const groupScreenName = 'postflow_news';
  const dailyLimit = options.dailyPostLimit ?? 50;
  const accessTokens = new Map<string, number>(); // token -> expiry
  const refreshTokens = new Map<string, string>(); // token -> device_id
  const codes = new Map<string, { challenge: string; redirectUri: string; deviceId: string }>();
  const guids = new Map<string, { postId: number; at: number }>();
  const uploads = new Map<string, number>(); // hash -> size
  const script = new ResponseScript<VkScriptedError>();
  const posts: VkWallPost[] = [];
  const calls: VkFake['calls'] = [];
  const tokenRequests: Record<string, string>[] = [];
  const photos: VkFake['photos'] = [];
  let nextPostId = 100;
  let nextPhotoId = 457_239_000;
  let loseNextAnswer = false;
  let baseUrl = '';

  function issueTokens(deviceId = randomBytes(12).toString('hex')) {
    const accessToken = `vk2.a.${randomBytes(24).toString('base64url')}`;
    const refreshToken = `vk2.r.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, Date.now() + HOUR_MS);
    refreshTokens.set(refreshToken, deviceId);
    return { accessToken, refreshToken, deviceId };
  }

  const vkError = (code: number, message: string, method: string, params: Record<string, string>) => ({
    error: { error_code: code, error_msg: message, request_params: [{ key: 'method', value: method }, ...Object.entries(params).map(([key, value]) => ({ key, value }))] },
  });

  function wallPost(params: Record<string, string>, method: string): unknown {
    const ownerId = params.owner_id ? Number(params.owner_id) : userId;
    if (ownerId !== userId && ownerId !== -groupId) return vkError(15, 'Access denied: access to wall denied', method, params);
    const guid = params.guid ?? null;
    const previous = guid === null ? undefined : guids.get(`${ownerId}:${guid}`);
    if (previous && Date.now() - previous.at < HOUR_MS) return { response: { post_id: previous.postId } };
    const message = params.message ?? '';
    const attachments = params.attachments ? params.attachments.split(',') : [];
    if (message === '' && attachments.length === 0) return vkError(100, 'One of the parameters specified was missing or invalid: message is empty or invalid', method, params);
    if (attachments.filter((a) => /^https?:/.test(a)).length > 1)
      return vkError(100, 'One of the parameters specified was missing or invalid: attachments can contain only one link', method, params);
    for (const a of attachments.filter((a) => a.startsWith('photo'))) {
      if (!photos.some((p) => a === `photo${p.ownerId}_${p.id}`))
        return vkError(100, 'One of the parameters specified was missing or invalid: attachments is invalid', method, params);
    }
    if (posts.filter((p) => p.ownerId === ownerId).length >= dailyLimit) {
      return vkError(214, 'Access to adding post denied: you can only add 50 posts a day', method, params);
    }
    const post = { id: (nextPostId += 1), ownerId, fromGroup: params.from_group === '1', message, attachments, guid };
    posts.push(post);
    if (guid !== null) guids.set(`${ownerId}:${guid}`, { postId: post.id, at: Date.now() });
    return { response: { post_id: post.id } };
  }

  function callMethod(method: string, params: Record<string, string>): unknown {
    const token = params.access_token ?? '';
    delete params.access_token;
    calls.push({ method, params: { ...params } });
    if (!params.v) return vkError(8, 'Invalid request: v (version) is required', method, params);
    const expiry = accessTokens.get(token);
    if (expiry === undefined) return vkError(5, 'User authorization failed: invalid access_token (4).', method, params);
    if (expiry <= Date.now()) return vkError(5, 'User authorization failed: access_token has expired.', method, params);
    const scripted = script.take(method);
    if (scripted) return vkError(scripted.code, scripted.message, method, params);
    switch (method) {
      case 'users.get':
        return { response: [{ id: userId, first_name: 'Alice', last_name: 'Ivanova', screen_name: screenName, can_access_closed: true, is_closed: false }] };
      case 'groups.getById':
        if (Number(params.group_id) !== groupId) return vkError(100, 'One of the parameters specified was missing or invalid: group_id is undefined', method, params);
        return { response: { groups: [{ id: groupId, name: 'PostFlow News', screen_name: groupScreenName, is_closed: 0, type: 'page' }], profiles: [] } };
      case 'photos.getWallUploadServer':
        return { response: { album_id: -14, upload_url: `${baseUrl}/upload/wall?act=do_add&mid=${userId}&gid=${params.group_id ?? 0}`, user_id: userId } };
      case 'photos.saveWallPhoto': {
        const size = uploads.get(params.hash ?? '');
        if (size === undefined || !params.photo || params.photo === '[]')
          return vkError(100, 'One of the parameters specified was missing or invalid: photo is undefined', method, params);
        uploads.delete(params.hash!);
        const photo = { ownerId: params.group_id ? -Number(params.group_id) : userId, id: (nextPhotoId += 1), size };
        photos.push(photo);
        return { response: [{ album_id: -14, date: Math.floor(Date.now() / 1000), id: photo.id, owner_id: photo.ownerId, sizes: [], text: '' }] };
      }
      case 'wall.post':
        return wallPost(params, method);
      default:
        return vkError(3, 'Unknown method passed', method, params);
    }
  }

  function token(form: URLSearchParams): { status: number; body: unknown } {
    const params = Object.fromEntries(form);
    tokenRequests.push(params);
    const refused = (description: string) => ({ status: 400, body: { error: 'invalid_grant', error_description: description, state: params.state } });
    if (params.client_id !== clientId) return { status: 401, body: { error: 'invalid_client', error_description: 'client_id is invalid' } };
    let deviceId: string;
    if (params.grant_type === 'authorization_code') {
      const grant = codes.get(params.code ?? '');
      if (!grant) return refused('code is invalid or expired');
      codes.delete(params.code!);
      if (grant.redirectUri !== params.redirect_uri) return refused('redirect_uri does not match');
      if (grant.deviceId !== params.device_id) return refused('device_id does not match');
      if (s256(params.code_verifier ?? '') !== grant.challenge) return refused('code_verifier is invalid');
      deviceId = grant.deviceId;
    } else if (params.grant_type === 'refresh_token') {
      const bound = refreshTokens.get(params.refresh_token ?? '');
      if (bound === undefined || bound !== params.device_id) return refused('refresh_token is invalid');
      // Refresh tokens are single-use: the new pair replaces the old one.
      refreshTokens.delete(params.refresh_token!);
      deviceId = bound;
    } else {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type is invalid' } };
    }
    const issued = issueTokens(deviceId);
    return {
      status: 200,
      body: {
        access_token: issued.accessToken,
        refresh_token: issued.refreshToken,
        id_token: 'eyJ.id.token',
        token_type: 'Bearer',
        expires_in: 3600,
        user_id: userId,
        state: params.state,
        scope: 'vkid.personal_info wall photos groups',
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const parsed = await parseBody(req, raw);
    const form = new URLSearchParams(url.search);
    if (parsed.kind === 'form') for (const [key, value] of parsed.value) form.set(key, value);

    if (req.method === 'GET' && url.pathname === '/authorize') {
      const q = Object.fromEntries(url.searchParams);
      if (q.client_id !== clientId || q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge || !q.redirect_uri || !q.state) {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'client_id, response_type=code, redirect_uri, state and an S256 code_challenge are required' });
      }
      // The user approves at once.
      const code = randomBytes(16).toString('hex');
      const deviceId = randomBytes(12).toString('hex');
      codes.set(code, { challenge: q.code_challenge, redirectUri: q.redirect_uri, deviceId });
      const target = new URL(q.redirect_uri);
      for (const [key, value] of Object.entries({ code, state: q.state, device_id: deviceId, type: 'code_v2', expires_in: '600' })) target.searchParams.set(key, value);
      res.writeHead(302, { Location: target.toString() });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth2/auth') {
      const result = token(form);
      return sendJson(res, result.status, result.body);
    }
    if (req.method === 'POST' && url.pathname === '/upload/wall') {
      const file = parsed.kind === 'multipart' ? parsed.value.get('photo') : null;
      if (!file || typeof file === 'string' || file.size === 0) return sendJson(res, 200, { server: 842231, photo: '[]', hash: 'd41d8cd98f00b204e9800998ecf8427e' });
      const hash = randomBytes(16).toString('hex');
      uploads.set(hash, file.size);
      return sendJson(res, 200, { server: 842231, photo: JSON.stringify([{ photo: randomBytes(8).toString('hex'), sizes: [] }]), hash });
    }
    const method = /^\/method\/([\w.]+)$/.exec(url.pathname)?.[1];
    if (!method) return sendJson(res, 404, { error: { error_code: 3, error_msg: 'Unknown method passed' } });
    const answer = callMethod(method, Object.fromEntries(form));
    const created = method === 'wall.post' && (answer as { response?: unknown }).response !== undefined;
    if (created && loseNextAnswer) {
      // VK posted it; the answer never arrives.
      loseNextAnswer = false;
      return;
    }
    return sendJson(res, 200, answer);
  }

  const server = await startHttpServer(handle);
  baseUrl = server.url;
  return {
    ...server,
    clientId,
    userId,
    groupId,
    screenName,
    groupScreenName,
    posts,
    calls,
    tokenRequests,
    photos,
    validationMessage: VALIDATION_MESSAGE,
    createdTexts: () => posts.map((p) => p.message),
    issueTokens: () => issueTokens(),
    failNext: (method, error) => script.failNext(1, error, method),
    failNextPublish: (kind) => {
      if (kind === 'validation') script.failNext(1, { code: 100, message: VALIDATION_MESSAGE }, 'wall.post');
      if (kind === 'server_error') script.failNext(1, { code: 10, message: 'Internal server error: Unknown error, try later' }, 'wall.post');
      // VK announces no reset time, so resetInSeconds has nothing to say here: the provider waits its fixed
      // flood-control delay (VK_FLOOD_CONTROL_WAIT_MS).
      if (kind === 'rate_limited') script.failNext(1, { code: 9, message: 'Flood control' }, 'wall.post');
    },
    expireAccessToken: () => {
      for (const t of accessTokens.keys()) accessTokens.set(t, Date.now() - 1000);
    },
    revokeRefresh: () => {
      refreshTokens.clear();
    },
    loseNextPublishAnswer: () => {
      loseNextAnswer = true;
    },
  };
}

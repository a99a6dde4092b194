// The shared provider contract for the three networks PostFlow started with, each against its loopback fake.
import { createMastodonProvider } from '../../src/integrations/mastodon.js';
import { createTelegramProvider } from '../../src/integrations/telegram.js';
import { createWebhookProvider } from '../../src/integrations/webhook.js';
import { mastodonContractFake, startMastodonFake } from '../fakes/mastodonFake.js';
import { startTelegramFake, telegramContractFake } from '../fakes/telegramFake.js';
import { startWebhookReceiver, webhookContractFake } from '../fakes/webhookReceiver.js';
import { LOOPBACK_ALLOWED, providerOptions } from '../helpers/integration.js';
import { describeProviderContract } from './providerContract.js';

describeProviderContract({
  platform: 'MASTODON',
  renewal: { none: 'Mastodon tokens do not expire; a revoked token needs a reconnect' },
  // POST /api/v1/statuses honours Idempotency-Key for an hour.
  idempotent: true,
  async start({ requestTimeoutMs }) {
    const fake = await startMastodonFake();
    return {
      fake: mastodonContractFake(fake),
      provider: createMastodonProvider(providerOptions({}, requestTimeoutMs)),
      credentials: { instanceUrl: fake.url, accessToken: fake.accessToken },
    };
  },
});

describeProviderContract({
  platform: 'TELEGRAM',
  renewal: { none: 'bot tokens do not expire; a revoked token needs a new one from @BotFather' },
  // The Bot API has no idempotency key: a lost answer must never be retried blindly.
  idempotent: false,
  async start({ requestTimeoutMs }) {
    const fake = await startTelegramFake();
    return {
      fake: telegramContractFake(fake),
      provider: createTelegramProvider({ requestTimeoutMs, telegramApiUrl: fake.url, outbound: LOOPBACK_ALLOWED }),
      credentials: { botToken: fake.token, chatId: '@mychannel' },
    };
  },
});

const secret = 'contract-secret-0123456789';

describeProviderContract({
  platform: 'WEBHOOK',
  renewal: { none: 'the signing secret does not expire; a rotated secret must be entered again' },
  // Every attempt of a delivery carries the same Idempotency-Key, and receivers are required to dedupe on it.
  idempotent: true,
  async start({ requestTimeoutMs }) {
    const receiver = await startWebhookReceiver({ secret });
    return {
      fake: webhookContractFake(receiver),
      provider: createWebhookProvider(providerOptions({}, requestTimeoutMs)),
      credentials: { url: receiver.hookUrl, secret },
    };
  },
});

import { isRetriableKafkaError } from './kafka/kafka.errors';
import type { MessagingAdmin, TopicSpec } from './port/messaging.port';
import { assertTopicName } from './topics';

/** How long topic creation keeps retrying retriable broker answers (a loaded broker, a new topic). */
const ENSURE_TOPICS_RETRY_MS = 60_000;

/**
 * Creates the topics that do not exist yet. Existing topics are left as they are, except that a
 * topic with fewer partitions than asked is reported (partitions are never added silently: that
 * would move keys, and trace ids, to other partitions).
 */
export async function ensureTopics(
  admin: MessagingAdmin,
  specs: TopicSpec[],
): Promise<{ created: string[]; short: string[] }> {
  const deadline = Date.now() + ENSURE_TOPICS_RETRY_MS;
  for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      return await ensureTopicsOnce(admin, specs);
    } catch (e) {
      if (!isRetriableKafkaError(e) || Date.now() + delay > deadline) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function ensureTopicsOnce(
  admin: MessagingAdmin,
  specs: TopicSpec[],
): Promise<{ created: string[]; short: string[] }> {
  specs.forEach((s) => assertTopicName(s.topic));
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics(missing);
    } catch (e) {
      // Another replica may have created them between listTopics and createTopics.
      const after = new Set(await admin.listTopics());
      if (missing.some((m) => !after.has(m.topic))) throw e;
    }
  }
  if (missing.length > 0)
    await waitForTopics(
      admin,
      missing.map((m) => m.topic),
    );
  const present = specs.filter((s) => existing.has(s.topic));
  const short: string[] = [];
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata(present.map((s) => s.topic));
    for (const t of meta) {
      const want = specs.find((s) => s.topic === t.name)?.partitions ?? 0;
      if (t.partitions.length < want) short.push(`${t.name} (${t.partitions.length} < ${want})`);
    }
  }
  return { created: missing.map((m) => m.topic), short };
}

/**
 * Waits until the brokers serve metadata with a leader for every partition of `topics`. Creating a
 * topic returns before every broker knows it; a consumer subscribing in that gap gets "This server
 * does not host this topic-partition".
 */
export async function waitForTopics(
  admin: MessagingAdmin,
  topics: string[],
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata(topics);
      if (
        meta.length === topics.length &&
        meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
      )
        return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

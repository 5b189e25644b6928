import type { CacheStore } from '../../activities/cache/types';
import { openCacheStoreAt, storeBackends } from './backends';

const T0 = Date.UTC(2025, 5, 2, 12, 0, 0);
const MINUTE = 60_000;

describe.each(storeBackends())('$name cache store', (backend) => {
  let store: CacheStore;

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  beforeEach(() => {
    store = openCacheStoreAt(backend.newLocation());
  });
  afterEach(() => store.close());

  describe('values', () => {
    it('has nothing for a key that was never set', async () => {
      await expect(store.get('missing', T0)).resolves.toBeUndefined();
    });

    it('returns a stored value until its time to live runs out', async () => {
      await store.set('answer', '{"text":"hello"}', 10 * MINUTE, T0);

      await expect(store.get('answer', T0 + 10 * MINUTE - 1)).resolves.toBe('{"text":"hello"}');
    });

    it('forgets a value once its time to live has run out', async () => {
      await store.set('answer', 'hello', 10 * MINUTE, T0);

      await expect(store.get('answer', T0 + 10 * MINUTE)).resolves.toBeUndefined();
    });

    it('replaces a value and its time to live when the key is set again', async () => {
      await store.set('answer', 'first', MINUTE, T0);

      await store.set('answer', 'second', 10 * MINUTE, T0 + 30_000);

      await expect(store.get('answer', T0 + 5 * MINUTE)).resolves.toBe('second');
    });

    it('keeps values of different keys apart', async () => {
      await store.set('one', 'first', MINUTE, T0);
      await store.set('two', 'second', MINUTE, T0);

      await expect(store.get('one', T0)).resolves.toBe('first');
    });

    it('keeps text exactly as it was stored', async () => {
      const text = JSON.stringify({ text: 'naïve café, 東京 🚀', nested: { line: 'a\nb' } });

      await store.set('unicode', text, MINUTE, T0);

      await expect(store.get('unicode', T0)).resolves.toBe(text);
    });
  });

  describe('claims', () => {
    it('makes the first caller to claim a key its owner', async () => {
      await expect(store.claim('answer', 'run-a', MINUTE, T0)).resolves.toBe(true);
    });

    it('refuses a claim while another owner holds the key', async () => {
      await store.claim('answer', 'run-a', MINUTE, T0);

      await expect(store.claim('answer', 'run-b', MINUTE, T0 + 1_000)).resolves.toBe(false);
    });

    it('confirms a claim to the owner that already holds it', async () => {
      await store.claim('answer', 'run-a', MINUTE, T0);

      await expect(store.claim('answer', 'run-a', MINUTE, T0 + 1_000)).resolves.toBe(true);
    });

    it('lets another caller claim a key once the lease has run out', async () => {
      await store.claim('answer', 'run-a', MINUTE, T0);

      await expect(store.claim('answer', 'run-b', MINUTE, T0 + MINUTE)).resolves.toBe(true);
    });

    it('drops the claim when the value is set', async () => {
      await store.claim('answer', 'run-a', MINUTE, T0);

      await store.set('answer', 'hello', 10 * MINUTE, T0 + 1_000);

      await expect(store.claim('answer', 'run-b', MINUTE, T0 + 2_000)).resolves.toBe(true);
    });

    it('lets the owner release its claim for another caller', async () => {
      await store.claim('answer', 'run-a', MINUTE, T0);

      await store.releaseClaim('answer', 'run-a');

      await expect(store.claim('answer', 'run-b', MINUTE, T0 + 1_000)).resolves.toBe(true);
    });

    it('ignores a release by a caller that does not own the claim', async () => {
      await store.claim('answer', 'run-a', MINUTE, T0);

      await store.releaseClaim('answer', 'run-b');

      await expect(store.claim('answer', 'run-c', MINUTE, T0 + 1_000)).resolves.toBe(false);
    });

    it('keeps claims of different keys apart', async () => {
      await store.claim('one', 'run-a', MINUTE, T0);

      await expect(store.claim('two', 'run-b', MINUTE, T0)).resolves.toBe(true);
    });

    it('gives a key to exactly one of many callers claiming it at once', async () => {
      const owners = ['run-a', 'run-b', 'run-c', 'run-d', 'run-e'];

      const claimed = await Promise.all(owners.map((owner) => store.claim('answer', owner, MINUTE, T0)));

      expect(claimed.filter(Boolean)).toHaveLength(1);
    });
  });
});

import { goDurationMs, isContentFiltered, isContextTooLong, quotaResetFrom, retryAfterFrom }
  from '../activities/classify-failure';

describe('provider error wording', () => {
  test.each([
    ['context_length_exceeded', 'anything'],
    [undefined, 'This model\'s maximum context length is 8192 tokens. However, you requested 9000 tokens.'],
    [undefined, 'prompt is too long: 210000 tokens > 200000 maximum'],
    [undefined, 'Input is too long for requested model.'],
    [undefined, 'too many tokens in the request'],
  ])('code %s with message "%s" reads as a context too long', (code, message) => {
    expect(isContextTooLong(code, message)).toBe(true);
  });

  test('an unrelated bad request does not read as a context too long', () => {
    expect(isContextTooLong('invalid_value', 'temperature must be at most 2')).toBe(false);
  });

  test.each([
    ['content_filter', 'x'],
    [undefined, 'The response was filtered due to the prompt triggering Azure OpenAI\'s content management policy.'],
    ['content_policy_violation', 'Your request was rejected as a result of our safety system.'],
  ])('code %s with message "%s" reads as content filtered', (code, message) => {
    expect(isContentFiltered(code, message)).toBe(true);
  });
});

describe('the wait a provider names', () => {
  test('retry-after-ms is preferred to Retry-After, which may be seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');

    expect(retryAfterFrom(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), now)).toBe(1500);
    expect(retryAfterFrom(new Headers({ 'retry-after': '9' }), now)).toBe(9000);
    expect(retryAfterFrom(new Headers({ 'retry-after': 'Fri, 04 Dec 2026 10:02:00 GMT' }), now)).toBe(120_000);
    expect(retryAfterFrom(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });

  test('a wait of zero or one already past leaves the retry policy\'s backoff in charge', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');

    expect(retryAfterFrom(new Headers({ 'retry-after': '0' }), now)).toBeUndefined();
    expect(retryAfterFrom(new Headers({ 'retry-after-ms': '0' }), now)).toBeUndefined();
    expect(retryAfterFrom(new Headers({ 'retry-after': 'Thu, 01 Jan 2015 00:00:00 GMT' }), now)).toBeUndefined();
    expect(quotaResetFrom(new Headers({ 'x-ratelimit-reset-requests': '0s' }))).toBeUndefined();
  });

  test.each([['20ms', 20], ['1.5s', 1500], ['6m0s', 360_000], ['1h2m3s', 3_723_000]])(
    'the reset duration %s is %d ms', (text, ms) => {
      expect(goDurationMs(text)).toBe(ms);
    });

  test.each(['', '6 minutes', '5', 's', '1x'])('"%s" is not a reset duration', (text) => {
    expect(goDurationMs(text)).toBeUndefined();
  });

  test('the reset of the exhausted quota is the wait, not the reset of one with room left', () => {
    const headers = new Headers({
      'x-ratelimit-remaining-requests': '12', 'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s',
    });

    expect(quotaResetFrom(headers)).toBe(360_000);
  });

  test('without a remaining count the longest reset is the wait', () => {
    expect(quotaResetFrom(new Headers({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '500ms' })))
      .toBe(2000);
    expect(quotaResetFrom(new Headers())).toBeUndefined();
  });
});

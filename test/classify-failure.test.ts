import { isContentFiltered, isContextTooLong } from '../activities/classify-failure';

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

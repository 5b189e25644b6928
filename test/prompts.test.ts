import { ProductError } from '../common/errors';
import { getTemplate, listTemplates } from '../prompts/library';
import { renderPrompt } from '../prompts/render';
import { filesChangedIn, quotesMissingFrom } from '../prompts/checks';
import { findReleaseNotes } from '../workers/examples';

describe('the prompt template library', () => {
  test('each template is listed with its id and version', () => {
    const listed = listTemplates().map((template) => `${template.id}@${template.version}`);

    expect(listed).toEqual(expect.arrayContaining(['release-digest@1', 'diff-review@1']));
  });

  test('asking for no version returns the newest one', () => {
    expect(getTemplate('release-digest').version).toBe(1);
  });

  test('an unknown version is a TEMPLATE_NOT_FOUND error naming id and version', () => {
    const error = (() => {
      try {
        getTemplate('release-digest', 42);
      } catch (err) {
        return err as ProductError;
      }
    })();

    expect(error?.code).toBe('TEMPLATE_NOT_FOUND');
    expect(error?.field).toBe('templateVersion');
    expect(error?.message).toContain('release-digest@42');
  });

  test('rendering composes framing, constraints and style parts around the document', async () => {
    const notes = findReleaseNotes().text;

    const prompt = await renderPrompt(getTemplate('release-digest'), { document: notes, tone: 'formal',
      length: 'short' });
    const [system, user] = prompt.messages;

    expect(system?.content).toContain('release manager');
    expect(system?.content).toContain('Constraints:');
    expect(system?.content).toContain('formal tone');
    expect(system?.content).toContain('at most 3 items');
    expect(user?.content).toContain(notes.trim().slice(0, 200));
  });

  test('rendering with a bad input is a TEMPLATE_INPUT_INVALID error naming the field', async () => {
    const rendering = renderPrompt(getTemplate('diff-review'), { diff: 'diff --git a/x b/x\n+++ b/x', focus: 'vibes' });

    await expect(rendering).rejects.toMatchObject({ code: 'TEMPLATE_INPUT_INVALID', field: 'focus' });
  });

  test('the output schema sent to providers forbids extra properties, as strict output requires', async () => {
    const prompt = await renderPrompt(getTemplate('diff-review'), { diff: 'diff --git a/x b/x\n+++ b/x\n+y' });
    const findings = (prompt.outputJsonSchema.properties as Record<string, { items: Record<string, unknown> }>)
      .findings;

    expect(prompt.outputJsonSchema.additionalProperties).toBe(false);
    expect(findings?.items.additionalProperties).toBe(false);
    expect(findings?.items.required).toEqual(['file', 'line', 'severity', 'message']);
  });
});

describe('template checks', () => {
  test('a quote that is not in the source is flagged and one that is, with other spacing, is not', () => {
    const flags = quotesMissingFrom('Git now   supports\nfoo bar.', ['now supports foo', 'invented text']);

    expect(flags).toHaveLength(1);
    expect(flags[0]).toContain('invented text');
  });

  test('the files a diff changes are read from its +++ lines', () => {
    const diff = 'diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-x\n+y\n' +
      'diff --git a/gone.ts b/gone.ts\n--- a/gone.ts\n+++ /dev/null\n';

    expect([...filesChangedIn(diff)]).toEqual(['src/a.ts']);
  });
});

import type { GenerationView } from '../client/generation-client';
import type { ExampleRequest } from './examples';
import type { RunningStack } from './stack';

/** What the main job prints for people; logs go to the log file. */
export function printStarted(stack: RunningStack): void {
  const lines = [
    `Temporal:   ${stack.temporal.devServer?.address ?? 'configured service'} (namespace ${stack.temporal.namespace})`,
    `Temporal UI: ${stack.temporal.uiUrl ?? '(not known; set temporalUiUrl in the config)'}`,
    `API:        ${stack.apiUrl}`,
  ];
  if (stack.simulatorUrl) {
    lines.push(`Simulator:  ${stack.simulatorUrl} (provider simulator: answers are simulated, not from a model)`);
  }
  console.log(lines.join('\n'));
}

/** Prints one example's outcome; returns false when the run failed. */
export function printExampleOutcome(_example: ExampleRequest, view: GenerationView, stack: RunningStack): boolean {
  if (view.failure) {
    console.log(`   FAILED ${view.failure.code}: ${view.failure.message}`);
    return false;
  }

  if (view.result) {
    const { result } = view;
    console.log(`   status: ${result.status}; template ${result.template.id}@${result.template.version}; ` +
      `answered by ${result.answeredBy.provider}/${result.answeredBy.model}` +
      `${result.simulated ? ' (simulated)' : ''}; ` +
      `tokens in/out ${result.usage.inputTokens}/${result.usage.outputTokens}`);
    console.log(indent(JSON.stringify(result.output, null, 2)));
    return true;
  }

  const state = view.state;
  console.log(`   waiting for review (stage ${state?.stage ?? 'unknown'}, ` +
    `deadline ${state?.reviewDeadline ?? 'unknown'})`);
  if (state?.validation) {
    console.log(indent(JSON.stringify(state.validation.output, null, 2)));
  }
  const decision = '{"decision":"approve","reviewer":"you"}';
  console.log(`   approve it in the Temporal UI (the run's Updates), or with:\n` +
    `     curl -s -X POST ${stack.apiUrl}/v1/generations/${view.workflowId}/review ` +
    `-H 'content-type: application/json' -d '${decision}'\n` +
    `     ${stack.temporal.devServer?.cliPath ?? 'temporal'} workflow update execute ` +
    `--address ${stack.temporal.devServer?.address ?? '$TEMPORAL_ADDRESS'} ` +
    `--workflow-id ${view.workflowId} --name review --input '${decision}'`);
  return true;
}

export function printServing(stack: RunningStack): void {
  console.log(`\nServing. API ${stack.apiUrl}, Temporal UI ${stack.temporal.uiUrl ?? '(configured)'}. ` +
    'Press Ctrl-C to stop.');
}

function indent(text: string): string {
  const lines = text.split('\n');
  const shown = lines.length > 40 ? [...lines.slice(0, 40), `... (${lines.length - 40} more lines)`] : lines;
  return shown.map((line) => `     ${line}`).join('\n');
}

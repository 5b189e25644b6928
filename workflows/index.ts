/** The workflows this worker registers; the bundler starts here. */
export { generationWorkflow } from './generation';

/**
 * @fileoverview Public API of the NMP-QAT trainer (package export `./train`): read and split data, train (NMP-QAT or a
 * baseline), export to format v1, and evaluate an exported model with the format's integer arithmetic.
 */
export { readCsv, splitDataset, subset, featureStats, DataError } from './data.js';
export type { Dataset, CsvOptions, SplitOptions, Split, Task, Impute, MissingReport } from './data.js';
export { train, checkOptions } from './run.js';
export type { TrainResult, TrainHooks, EpochRecord, RunLog, FloatPhase, ExportedModel } from './run.js';
export { Trainer } from './trainer.js';
export { METHODS as TRAIN_METHODS } from './options.js';
export type { TrainOptions, Method, Resolved } from './options.js';
export type { LayerHistogram } from './budget.js';
export { evaluateModel, IntegerForward, scorePredictions, requantExact } from './intforward.js';
export type { Metrics, AnyModel } from './intforward.js';
export { Arena } from './gemm.js';
export { Rng } from './rng.js';

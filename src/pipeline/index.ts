// The pipeline's public interface: gate + detectors composed in one process.
export { createPipeline, type Pipeline, type PipelineConfig, type PipelineDeps } from './pipeline.js';
export { createLivePipeline, exporterAddress, type LivePipeline, type PipelineRates } from './live.js';
export { analyzeFiles, OFFLINE_CARRIER, type AnalyzeOptions, type AnalyzeResult } from './offline.js';
export { createIndicatorRefresher, indicatorsFromFile, indicatorsFromStix, loadStoredIndicators, type IndicatorRefresher } from './indicators.js';

/**
 * The seam between the pure pipeline and an inference runtime. `src/runtime` implements it with
 * onnxruntime-web; tests implement it with small fakes. The pipeline never imports a runtime.
 */
export interface TensorData {
  /** float32 tensor data, row-major. */
  data: Float32Array;
  dims: readonly number[];
}

export interface InferenceBackend {
  /** Human-readable name of what runs the models, e.g. "onnxruntime-web wasm". */
  readonly name: string;
  /** Runs one model (by manifest id) on named float32 inputs and returns every output by name. */
  run(modelId: string, inputs: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  /**
   * Whether a model's session is ready now (a backend that loads models on first use). The video path skips
   * an optional pass whose model is still loading instead of waiting for it; absent: always ready.
   */
  isLoaded?(modelId: string): boolean;
  dispose?(): Promise<void>;
}

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
  dispose?(): Promise<void>;
}

// Messages between the page and its worker. Only structured-cloneable values travel (Files,
// plain objects, transferred ArrayBuffers): no SharedArrayBuffer, so no cross-origin isolation.

export type BackendChoice = 'webgpu' | 'wasm' | 'reference';

export type Request =
  | { type: 'classify'; id: number; image: Blob; name: string }
  | { type: 'load'; id: number; files: File[]; variant: string }
  | { type: 'bench'; id: number; variant: string; runs: number };

/** A request before the page numbers it. */
export type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

export interface Prediction {
  label: string;
  index: number;
  probability: number;
}

export interface LayerTime {
  name: string;
  ms: number;
}

export interface ModelInfo {
  name: string;
  source: string;
  variant: string;
  resolution: number;
  classes: number;
  params: number;
}

export type Reply =
  | { type: 'ready'; backend: BackendChoice; threads: number; notice?: string; model?: ModelInfo }
  | { type: 'progress'; id: number; message: string }
  | { type: 'loaded'; id: number; model: ModelInfo }
  | { type: 'result'; id: number; top: Prediction[]; totalMs: number; runs: number; layers: LayerTime[]; method: string; image: { width: number; height: number } }
  | { type: 'bench'; id: number; variant: string; resolution: number; backend: BackendChoice; runsMs: number[]; medianMs: number }
  | { type: 'error'; id?: number; message: string };

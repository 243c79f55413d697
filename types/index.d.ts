// Type declarations for attention-lab's JavaScript API: the engine (Node and
// bundlers: `import { loadEngine } from 'attention-lab'`) and the custom
// elements the browser bundle (dist/attention-lab.js) defines.

/** Inputs of one multi-head attention call; matrices are row-major Float32Arrays (y = x · W). */
export interface AttentionParams {
  x: Float32Array;                 // (seqLen, dModel)
  context?: Float32Array;          // (contextLen, dModel): cross-attention keys and values
  wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array;  // (dModel, dModel)
  bq?: Float32Array; bk?: Float32Array; bv?: Float32Array; bo?: Float32Array;
  seqLen: number; contextLen?: number; dModel: number; numHeads: number;
  causal?: boolean; scale?: number; temperature?: number;
  keyPaddingMask?: Uint8Array;
  headEnabled?: ArrayLike<number>;
}

export interface AttentionResult<A = Float32Array> {
  output: A;            // (seqLen, dModel)
  attention: A;         // (numHeads, seqLen, contextLen), rows sum to 1
  rowEntropy?: A;
  seqLen: number; contextLen: number; numHeads: number;
}

export interface Token { text: string; surface: string; punctuation: boolean; }
export interface ModelToken extends Token { id: number; unknown: boolean; }

export interface ModelConfig {
  vocabSize: number; dModel: number; numHeads: number; numLayers: number; dFF: number; maxLen: number; causal: boolean;
}

export interface RunOptions { headEnabled?: ArrayLike<number>; scale?: number; temperature?: number; }

export interface NextWord { id: number; word: string; probability: number; }

export interface WriterStep {
  token: number; word: string; position: number; probability: number;
  attention: Float32Array;   // (numLayers, numHeads, position + 1)
  next: NextWord[];          // the likeliest words it was chosen from
}

export interface Writer {
  readonly length: number;
  promptAttention: Float32Array[];
  step(options?: { temperature?: number; topK?: number; k?: number; token?: number }): WriterStep;
  next(options?: { k?: number; temperature?: number }): NextWord[];
  rewind(length: number): void;
  release(): void;
}

export interface InductionResult {
  prefixMatching: Float32Array; twinPrefixMatching: Float32Array; induction: boolean[];
  lossFirst: number; lossSecond: number; twinLossFirst: number; twinLossSecond: number;
  example: number[]; exampleWords: string[]; threshold: number; margin: number;
}

export interface Model {
  readonly config: ModelConfig;
  readonly metadata: Record<string, unknown>;
  tokenize(text: string): ModelToken[];
  /** views: true returns views of the engine's buffers, valid until its next call. */
  run(ids: ArrayLike<number>, options?: RunOptions & { logits?: boolean; hidden?: boolean; views?: boolean }): {
    seqLen: number; attention: Float32Array; rowEntropy: Float32Array; rowArgmax: Int32Array; hidden?: Float32Array; logits?: Float32Array;
  };
  maskedLoss(ids: ArrayLike<number>, options?: RunOptions): number;
  predict(ids: ArrayLike<number>, position: number, options?: RunOptions & { k?: number }): NextWord[];
  gradientImportance(ids: ArrayLike<number>, options?: RunOptions & { step?: number }): Float32Array;
  headNorms(): Float32Array;
  rollout(ids: ArrayLike<number>, options?: RunOptions & { query?: number }): {
    raw: Float32Array; rollout: Float32Array; flow: Float32Array | null; flowLimit: number;
  };
  ablationCorrelation(sentences: number[][]): { raw: number; rollout: number; flow: number; sentences: number };
  queryKeyGeometry(ids: ArrayLike<number>, options?: { layer?: number; head?: number; extra?: number[][] }): {
    queries: [number, number][]; keys: [number, number][]; extra: { queries: [number, number][]; keys: [number, number][] }[];
    explained: [number, number]; keyShift: number; scale: number;
  };
  inductionTest(options: { twin: Model; half?: number; trials?: number; seed?: number }): InductionResult;
  startWriting(ids: ArrayLike<number>, options?: { seed?: number }): Writer;
  randomTwin(seed?: number): Model;
  release(): void;
}

export interface Engine {
  multiHeadAttention(params: AttentionParams): AttentionResult;
  referenceMultiHeadAttention(params: AttentionParams): AttentionResult<Float64Array>;
  tokenize(text: string, options?: { rules?: 'model' | 'seeded' }): Token[];
  seededLayer(dModel: number, seed?: number): { wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array };
  embedTokens(tokens: string[], dModel: number, seed?: number): Float32Array;
  outputChange(changed: Float32Array, reference: Float32Array): { relative: number; cosine: number };
  loadModel(bytes: Uint8Array): Model;
  /** The same from the model file in base64, as ASCII bytes (how the browser loads a fetched model script). */
  loadModelBase64(text: Uint8Array): Model;
  headWeightNorms(params: { wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array; dModel: number; numHeads: number }): Float32Array;
  prepareLayer(params: Omit<AttentionParams, 'x' | 'context' | 'seqLen' | 'contextLen' | 'numHeads'>): {
    run(args: { x: Float32Array; context?: Float32Array; seqLen?: number; contextLen?: number; numHeads: number; causal?: boolean; scale?: number; temperature?: number;
      wantAttention?: boolean; softmax?: 'auto' | 'full' | 'streaming'; poolLimits?: number[]; views?: boolean }): AttentionResult & {
      pooled?: { limit: number; block: number; rows: number; cols: number; values: Float32Array }[];
      /** (numHeads, seqLen): each row's strongest link, the position of its first largest weight. */
      rowArgmax?: Int32Array;
    };
    release(): void;
  };
}

/** Resolves to the engine (one wasm module per process or page). */
export function loadEngine(): Promise<Engine>;
/** Node only: the trained model shipped in the package. */
export function loadTrainedModel(path?: string | URL): Promise<Model>;

/** The view a teacher can fix in markup or a link (see el.state). */
export interface LabState {
  sentence?: string; layer?: number; head?: number; view?: 'heatmap' | 'lines' | 'table' | 'steps' | 'qk';
  overlay?: boolean; lock?: string | number; topK?: number; temperature?: number; scaling?: boolean; headsOff?: string[];
}

/** <attention-lab>, defined by dist/attention-lab.js. */
export interface AttentionLabElement extends HTMLElement {
  sentence: string;
  state: LabState;
  readonly selectedHead: number;
  readonly selectedLayer: number;
  readonly ready: Promise<AttentionLabElement>;
  selectHead(head: number, layer?: number): void;
  /** Recomputes now; resolves when the view is drawn, off-screen parts too (while typing they follow the frame; far head cards' pictures wait for the viewport). */
  recompute(): Promise<void>;
  copyLink(): Promise<string>;
  getTables(): { layer: number; head: number; name: string; role: string; rows: { from: string; to: string; fromIndex: number; toIndex: number; strength: number }[] }[];
  getAttention(): { tokens: string[]; contextTokens: string[]; numLayers: number; numHeads: number; seqLen: number; contextLen: number; attention: Float32Array } | null;
  getHeads(): unknown[][];
  getRollout(): Float32Array | null;
}

/** <attention-writer>, defined by dist/attention-lab.js. */
export interface AttentionWriterElement extends HTMLElement {
  readonly ready: Promise<AttentionWriterElement>;
  generate(count?: number): Promise<void>;
  step(): void;
  stop(): void;
  rewind(length: number): void;
  getSteps(): (WriterStep & { prompt: boolean })[];
  getInduction(): InductionResult | null;
}

declare global {
  interface HTMLElementTagNameMap {
    'attention-lab': AttentionLabElement;
    'attention-writer': AttentionWriterElement;
  }
}

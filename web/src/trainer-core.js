// The only module that touches the live trainer's wasm Module (the same code
// serves the browser worker, the page fallback and Node). Errors from C++
// come back as { error } and are thrown here as Error with that message.

function checked(result) {
  if (result && typeof result.error === 'string') throw new Error(result.error);
  return result;
}

/** Wraps a loaded trainer module. */
export function createTrainerEngine(Module) {
  return {
    /** [{ id, title, description, roles, defaultLayers, defaultAttentionOnly, causal, threshold }] */
    tasks: () => Module.trainerTasks(),
    /**
     * options: { task, dModel, heads, layers (0 = task default), attentionOnly (absent = task default),
     *            batchSize, learningRate, seed }
     * text: sentences, one a line (the "text" task).
     */
    create(options = {}, text = '') {
      if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
      const info = checked(Module.createTrainer({ ...options }, String(text ?? '')));
      const { handle } = info;
      let released = false;
      const live = () => {
        if (released) throw new Error('this trainer was released');
      };
      return {
        info,
        /** Runs count steps: { losses: Float32Array, step }. */
        step(count = 1) {
          live();
          return checked(Module.stepTrainer(handle, count));
        },
        /** { step, loss, tokens, targets, attention (layers·heads·n·n), roles: [{ layer, head, scores, best }] } */
        evaluate() {
          live();
          return checked(Module.evaluateTrainer(handle));
        },
        setLearningRate(learningRate) {
          live();
          checked(Module.setTrainerLearningRate(handle, Number(learningRate)));
        },
        release() {
          if (!released) Module.releaseTrainer(handle);
          released = true;
        },
      };
    },
    heapBytesInUse: () => Module.heapBytesInUse(),
  };
}

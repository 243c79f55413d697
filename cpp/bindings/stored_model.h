// A loaded model at the wasm boundary, shared by the bindings that use one
// (model_bindings.cpp, model_analysis_bindings.cpp, writer_bindings.cpp).
#pragma once

#include <emscripten/val.h>

#include <string>
#include <vector>

#include "js_values.h"
#include "model/inference.h"
#include "model/model_file.h"

namespace attention_lab {

// Loaded models live in the module's registry, addressed by a small integer
// id, until released, each with its weights packed once for the fast kernels.
struct StoredModel : LoadedModel, Held {
  // Every layer's matrices are packed when the model is stored; the tied output
  // (token_embeddingᵀ: 4 MB for the encoder) when a call first wants logits, so a
  // widget that only shows attention neither packs nor touches it (fresh wasm pages
  // cost ~5 ms a megabyte in Chromium here, on the way to the first picture).
  const PackedTransformer& packed_for_attention() const { return packed; }
  // (a cache filled on first use: the wasm module runs on one thread)
  const PackedTransformer& packed_for_logits() const {
    if (!output_packed) {
      pack_transformer_output(params, packed);
      output_packed = true;
    }
    return packed;
  }
  mutable PackedTransformer packed;
  mutable bool output_packed = false;
  std::vector<int> writers;  // released with the model
};

inline StoredModel* find_model(int id) { return held_objects().find_as<StoredModel>(id); }

// The common arguments of a model call: { ids: Int32Array, headEnabled?:
// Uint8Array (layers*heads), headGate?, scale?, temperature? }.
struct ModelCall {
  std::vector<int> ids;
  RunOptionBuffers buffers;
  TransformerRunOptions options;
};

// Reads them; returns "" or a message.
std::string read_model_call(const LoadedModel& model, const emscripten::val& args, ModelCall& call);

// Several sentences of token ids given as args[ids_name] (all ids, one after
// another) and args[lengths_name] (each sentence's length, at most `longest`):
// fills `lists`, or returns a message.
std::string read_id_lists(const LoadedModel& model, const emscripten::val& args, const char* ids_name,
                          const char* lengths_name, int longest, std::vector<std::vector<int>>& lists);

}  // namespace attention_lab

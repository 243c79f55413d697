// Writes a tiny valid model file: the seed the loader fuzzer mutates.
#include <cstdio>
#include <fstream>

#include "model/transformer.h"
#include "model/model_file.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seed_model OUT\n");
    return 2;
  }
  attention_lab::TransformerParams<float> params;
  params.allocate({6, 4, 2, 1, 4, 4});
  attention_lab::initialise_transformer(params, 1, 0.5f);
  const attention_lab::Vocabulary vocabulary({"<pad>", "<unk>", "<mask>", "a", "b", "."});
  const auto bytes = attention_lab::save_model(params, vocabulary, "{}");
  std::ofstream(argv[1], std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                 static_cast<std::streamsize>(bytes.size()));
  return 0;
}

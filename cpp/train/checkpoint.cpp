#include "checkpoint.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace attention_lab::train {

namespace {

constexpr char kMagic[8] = {'A', 'L', 'C', 'K', 'P', 'T', '0', '1'};

template <typename T>
void put(std::ofstream& out, const T& value) {
  out.write(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
void get(std::ifstream& in, T& value, const std::string& path) {
  if (!in.read(reinterpret_cast<char*>(&value), sizeof value)) throw std::runtime_error(path + ": checkpoint is truncated");
}

void put_tensors(std::ofstream& out, TransformerParams<float>& tensors) {
  tensors.for_each([&](const std::string&, std::vector<float>& t) {
    put(out, static_cast<std::uint64_t>(t.size()));
    out.write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)));
  });
}

void get_tensors(std::ifstream& in, TransformerParams<float>& tensors, const std::string& path) {
  tensors.for_each([&](const std::string& name, std::vector<float>& t) {
    std::uint64_t size = 0;
    get(in, size, path);
    if (size != t.size()) throw std::runtime_error(path + ": tensor " + name + " has another shape in the checkpoint");
    if (!in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(t.size() * sizeof(float)))) {
      throw std::runtime_error(path + ": checkpoint is truncated");
    }
  });
}

}  // namespace

void save_checkpoint(const std::string& path, const TrainingProgress& progress, TransformerParams<float>& params,
                     AdamW& optimiser) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + temporary);
    out.write(kMagic, sizeof kMagic);
    put(out, progress.setup_hash);
    put(out, progress.step);
    put(out, optimiser.steps());
    put(out, progress.random_state);
    put(out, progress.cursor);
    put(out, progress.smoothed_loss);
    put(out, progress.tokens_seen);
    put(out, progress.seconds);
    put(out, static_cast<std::uint64_t>(progress.order.size()));
    out.write(reinterpret_cast<const char*>(progress.order.data()),
              static_cast<std::streamsize>(progress.order.size() * sizeof(std::uint32_t)));
    put_tensors(out, params);
    put_tensors(out, optimiser.first_moments());
    put_tensors(out, optimiser.second_moments());
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + temporary);
}

bool load_checkpoint(const std::string& path, TrainingProgress& progress, TransformerParams<float>& params,
                     AdamW& optimiser, bool check_setup) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  char magic[sizeof kMagic];
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
    throw std::runtime_error(path + ": not a training checkpoint");
  }
  std::uint64_t setup_hash = 0;
  get(in, setup_hash, path);
  if (check_setup && setup_hash != progress.setup_hash) {
    throw std::runtime_error(path + ": written for other options or another corpus; remove it to start afresh");
  }
  int adam_steps = 0;
  std::uint64_t order_size = 0;
  get(in, progress.step, path);
  get(in, adam_steps, path);
  get(in, progress.random_state, path);
  get(in, progress.cursor, path);
  get(in, progress.smoothed_loss, path);
  get(in, progress.tokens_seen, path);
  get(in, progress.seconds, path);
  get(in, order_size, path);
  if (order_size > (1ull << 32)) throw std::runtime_error(path + ": checkpoint is damaged");
  progress.order.resize(static_cast<std::size_t>(order_size));
  if (!in.read(reinterpret_cast<char*>(progress.order.data()),
               static_cast<std::streamsize>(progress.order.size() * sizeof(std::uint32_t)))) {
    throw std::runtime_error(path + ": checkpoint is truncated");
  }
  get_tensors(in, params, path);
  get_tensors(in, optimiser.first_moments(), path);
  get_tensors(in, optimiser.second_moments(), path);
  optimiser.set_steps(adam_steps);
  return true;
}

}  // namespace attention_lab::train

#pragma once
// The Llama 3 shapes the serving tests cost (Meta's model cards: layers, hidden, heads, GQA 8 KV
// heads, gated MLP width, 128,256-token vocabulary), one home for the tests that build InferenceCost
// by hand beside a scenario that names the same numbers.
#include "rcn/scenario/scenario.hpp"

namespace rcn::test {

inline ModelSpec llama3(int layers, int hidden, int heads, int ffn) {
  ModelSpec m;
  m.layers = layers, m.hidden = hidden, m.heads = heads, m.kv_heads = 8, m.ffn = ffn, m.vocab = 128256, m.seq = 8192;
  m.gated_mlp = true, m.tied_embeddings = false;
  return m;
}
inline ModelSpec llama3_8b() { return llama3(32, 4096, 32, 14336); }
inline ModelSpec llama3_70b() { return llama3(80, 8192, 64, 28672); }
inline ModelSpec llama3_405b() { return llama3(126, 16384, 128, 53248); }

}  // namespace rcn::test

// llama.cpp's tokenization of texts, for scripts/check-convert.py.
//
//   llama_tokenize MODEL.gguf TEXT... > ids.txt
//
// Loads the vocabulary only and prints, per TEXT, one line of comma-separated token ids as
// llama.cpp's llama_tokenize gives them with add_special and parse_special (what llama-simple and
// `spindle run` do with a prompt: BOS when the model asks for it, <|im_start|> as one token).
#include "llama.h"

#include <cstdio>
#include <cstring>
#include <vector>

static void quiet_log(ggml_log_level level, const char * text, void *) {
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

int main(int argc, char ** argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MODEL.gguf TEXT...\n", argv[0]); return 2; }
    llama_log_set(quiet_log, nullptr);
    llama_backend_init();
    llama_model_params mparams = llama_model_default_params();
    mparams.vocab_only = true;
    llama_model * model = llama_model_load_from_file(argv[1], mparams);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    for (int a = 2; a < argc; ++a) {
        const int length = (int) strlen(argv[a]);
        std::vector<llama_token> ids(length + 8);
        int n = llama_tokenize(vocab, argv[a], length, ids.data(), (int) ids.size(), true, true);
        if (n < 0) { ids.resize(-n); n = llama_tokenize(vocab, argv[a], length, ids.data(), (int) ids.size(), true, true); }
        if (n < 0) { fprintf(stderr, "cannot tokenize argument %d\n", a - 1); return 1; }
        for (int i = 0; i < n; ++i) printf("%s%d", i ? "," : "", ids[i]);
        printf("\n");
    }
    llama_model_free(model);
    llama_backend_free();
    return 0;
}

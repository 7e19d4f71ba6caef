/* example-c: a newsdrop rule plugin written in C against the generated header
 * (crates/newsdrop-abi/include/newsdrop_plugin.h). It tags each article by the length of
 * its kept body: `length:short` (< 150 words), `length:medium` (< 600) or `length:long`,
 * with the word count as the tag's count. It takes one optional key, `min_words`: articles
 * with fewer kept words are dropped.
 *
 * Build: cc -shared -fPIC -O2 -I crates/newsdrop-abi/include -o libexample_c.so example_c.c
 */
#include <stdlib.h>
#include <string.h>

#include "newsdrop_plugin.h"

/* The tag's kind; the tests rebuild the plugin with another to see a reload pick it up. */
#ifndef EXAMPLE_C_KIND
#define EXAMPLE_C_KIND "length"
#endif

typedef struct {
    long min_words;
} Instance;

static void say(const NdMessageSink *sink, const char *key, const char *message) {
    if (sink) {
        NdStr k = { (const uint8_t *)key, strlen(key) };
        NdStr m = { (const uint8_t *)message, strlen(message) };
        sink->emit(sink->ctx, k, m);
    }
}

/* The config arrives as a JSON object. This plugin knows one key; a real one would use a
 * JSON parser. Anything but `{}` or `{"min_words":N}` is refused. */
static int32_t create(NdStr config, void **instance, const NdMessageSink *errors) {
    char buf[128];
    if (config.len >= sizeof buf) {
        say(errors, "", "config too long: only `min_words` is known");
        return ND_ERROR;
    }
    memcpy(buf, config.ptr, config.len);
    buf[config.len] = '\0';
    long min_words = 0;
    const char *key = "{\"min_words\":";
    if (strcmp(buf, "{}") != 0) {
        if (strncmp(buf, key, strlen(key)) != 0) {
            say(errors, "", "unknown key: only `min_words` is known");
            return ND_ERROR;
        }
        char *end = NULL;
        min_words = strtol(buf + strlen(key), &end, 10);
        if (!end || strcmp(end, "}") != 0 || min_words < 0) {
            say(errors, "min_words", "must be a whole number >= 0");
            return ND_ERROR;
        }
    }
    Instance *self = malloc(sizeof *self);
    if (!self) {
        say(errors, "", "out of memory");
        return ND_ERROR;
    }
    self->min_words = min_words;
    *instance = self;
    return ND_OK;
}

static size_t count_words(NdStr text) {
    size_t words = 0;
    int in_word = 0;
    for (size_t i = 0; i < text.len; i++) {
        int space = text.ptr[i] == ' ' || text.ptr[i] == '\n' || text.ptr[i] == '\t' || text.ptr[i] == '\r';
        if (!space && !in_word) words++;
        in_word = !space;
    }
    return words;
}

/* Called from several threads at once: it only reads `instance`. */
static int32_t apply(void *instance, const NdHostApi *host, NdArticle *article, const NdMessageSink *message) {
    const Instance *self = instance;
    size_t words = 0;
    size_t n = host->block_count(article);
    for (size_t i = 0; i < n; i++) {
        NdBlock block;
        if (host->block_get(article, i, &block) && block.keep) words += count_words(block.text);
    }
    if ((long)words < self->min_words) {
        say(message, "", "shorter than min_words");
        return ND_DROP;
    }
    NdTag tag = {
        .id = words < 150 ? ND_STR(EXAMPLE_C_KIND ":short")
            : words < 600 ? ND_STR(EXAMPLE_C_KIND ":medium")
                          : ND_STR(EXAMPLE_C_KIND ":long"),
        .kind = ND_STR(""),
        .label = ND_STR(""),
        .count = (uint32_t)words,
        .rule = ND_STR("word count"),
    };
    if (!host->tag_add(article, &tag)) {
        say(message, "", "the host refused the tag");
        return ND_ERROR;
    }
    return ND_CONTINUE;
}

static void destroy(void *instance) { free(instance); }

static const NdPlugin TABLE = {
    .header = { ND_ABI_MAGIC, ND_ABI_MAJOR, ND_ABI_MINOR, sizeof(NdPlugin), 0 },
    .name = { (const uint8_t *)"example-c", 9 },
    .version = { (const uint8_t *)"0.1.0", 5 },
    .create = create,
    .apply = apply,
    .destroy = destroy,
};

const NdPlugin *newsdrop_plugin_entry(void) { return &TABLE; }

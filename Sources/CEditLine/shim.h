// libedit's native API, made callable from Swift. el_set, el_get and history are variadic,
// which Swift cannot call: each use gets one small non-variadic wrapper here.
#include <stdio.h>
#include <histedit.h>
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>

typedef char *(*whs_prompt_fn)(EditLine *);
typedef unsigned char (*whs_key_fn)(EditLine *, int);
typedef int (*whs_getc_fn)(EditLine *, wchar_t *);

static inline int whs_el_set_prompt(EditLine *el, whs_prompt_fn fn, char escape) {
    return el_set(el, EL_PROMPT_ESC, fn, escape);
}
static inline int whs_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int whs_el_set_signal(EditLine *el, int handle) { return el_set(el, EL_SIGNAL, handle); }
static inline int whs_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *whs_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int whs_el_addfn(EditLine *el, const char *name, const char *help, whs_key_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int whs_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, NULL);
}
static inline int whs_el_setty(EditLine *el, const char *first, const char *second) {
    return el_set(el, EL_SETTY, first, second, NULL);
}
static inline int whs_el_set_history(EditLine *el, History *history_) {
    return el_set(el, EL_HIST, history, history_);
}
static inline int whs_el_set_getc(EditLine *el, whs_getc_fn fn) { return el_set(el, EL_GETCFN, fn); }
static inline int whs_el_refresh(EditLine *el) { return el_set(el, EL_REFRESH); }

static inline int whs_history_setsize(History *h, int size) {
    HistEvent event;
    return history(h, &event, H_SETSIZE, size);
}
static inline int whs_history_enter(History *h, const char *line) {
    HistEvent event;
    return history(h, &event, H_ENTER, line);
}
static inline int whs_history_clear(History *h) {
    HistEvent event;
    return history(h, &event, H_CLEAR);
}

// The codeset of the current locale ("UTF-8", "ANSI_X3.4-1968"...).
static inline const char *whs_codeset(void) { return nl_langinfo(CODESET); }

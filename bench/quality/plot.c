/* SPDX-License-Identifier: GPL-2.0-only */
/* The plots' data and scripts: see plot.h. */
#include "bench/quality/plot.h"

#include <string.h>

static size_t series_of(const struct qm_world *w, size_t i)
{
    return w->n <= QM_PLOT_SERIES ? i : w->g[i].s->cpu_prio - 1;
}

static size_t nseries(const struct qm_world *w)
{
    return w->n <= QM_PLOT_SERIES ? w->n : QM_MAX_PRIO;
}

static void series_name(const struct qm_world *w, size_t k, char *buf, size_t len)
{
    if (w->n <= QM_PLOT_SERIES)
        snprintf(buf, len, "%s", w->g[k].s->name);
    else
        snprintf(buf, len, "priority %zu", k + 1);
}

int qm_plot_open(struct qm_plot *p, const char *dir, const struct qm_world *w, const char *mgr)
{
    char path[1024];
    memset(p, 0, sizeof(*p));
    if (!dir)
        return 0;
    snprintf(path, sizeof(path), "%s/%s-%s.dat", dir, w->sc->name, mgr);
    p->f = fopen(path, "w");
    if (!p->f) {
        perror(path);
        return -1;
    }
    p->nseries = nseries(w);
    p->bucket_end = w->t + QM_PLOT_BUCKET;
    fprintf(p->f, "# hour, then per series: goals met (share), cpu (pCPU), memory (GiB)\n");
    return 0;
}

static void flush(struct qm_plot *p, double t)
{
    fprintf(p->f, "%.4f", t / 3600.0);
    for (size_t k = 0; k < p->nseries; k++)
        fprintf(p->f, " %.3f %.3f %.3f", p->goals[k] > 0 ? p->met[k] / p->goals[k] : 1.0,
                p->cpu[k] / p->steps / 100.0, p->mem[k] / p->steps / 1024.0);
    fputc('\n', p->f);
    memset(p->met, 0, sizeof(p->met));
    memset(p->goals, 0, sizeof(p->goals));
    memset(p->cpu, 0, sizeof(p->cpu));
    memset(p->mem, 0, sizeof(p->mem));
    p->steps = 0;
}

void qm_plot_step(struct qm_plot *p, const struct qm_world *w)
{
    if (!p->f)
        return;
    for (size_t i = 0; i < w->n; i++) {
        const struct qm_guest *g = &w->g[i];
        size_t k = series_of(w, i);
        p->goals[k] += 2;
        p->met[k] += (double)g->cpu_met + (double)g->mem_met;
        p->cpu[k] += g->used;
        p->mem[k] += g->actual;
    }
    p->steps++;
    if (w->t + 1e-9 >= p->bucket_end) {
        flush(p, p->bucket_end - QM_PLOT_BUCKET / 2);
        p->bucket_end += QM_PLOT_BUCKET;
    }
}

void qm_plot_close(struct qm_plot *p)
{
    if (p->f)
        fclose(p->f);
    p->f = NULL;
}

int qm_plot_script(const char *dir, const struct qm_world *w, const char *const *mgr, size_t nmgr)
{
    char path[1024], name[QM_NAME + 16];
    snprintf(path, sizeof(path), "%s/%s.gp", dir, w->sc->name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t ns = nseries(w);
    fprintf(f, "# %s: drawn by make bench-quality (bench/quality/plot.c)\n", w->sc->name);
    fprintf(f, "set terminal pngcairo size %zu,900 font \",9\"\n", 330 * nmgr);
    fprintf(f, "set output '%s/%s.png'\n", dir, w->sc->name);
    fprintf(f,
            "set multiplot layout 3,%zu title '%s: %s (share of goals met per 5 min, CPU "
            "used, memory held)'\n",
            nmgr, w->sc->name, w->sc->title);
    fprintf(f, "set key off\nset grid\nset xtics 12\n");
    static const char *const row[3] = {"goals met", "CPU used (pCPU)", "memory held (GiB)"};
    for (unsigned r = 0; r < 3; r++) {
        for (size_t m = 0; m < nmgr; m++) {
            fprintf(f, "set title '%s'\n", r == 0 ? mgr[m] : "");
            fprintf(f, "set ylabel '%s'\n", m == 0 ? row[r] : "");
            fprintf(f, "set xlabel '%s'\n", r == 2 ? "hour" : "");
            if (r == 0)
                fprintf(f, "set yrange [-0.05:1.05]\n");
            else
                fprintf(f, "set yrange [0:*]\n");
            if (r == 2 && m == 0)
                fprintf(f, "set key top left opaque box\n");
            fprintf(f, "plot ");
            for (size_t k = 0; k < ns; k++) {
                series_name(w, k, name, sizeof(name));
                fprintf(f, "%s'%s/%s-%s.dat' using 1:%zu with lines lw 1.2 title '%s'",
                        k ? ", " : "", dir, w->sc->name, mgr[m], 2 + 3 * k + r, name);
            }
            fprintf(f, "\n");
            if (r == 2 && m == 0)
                fprintf(f, "set key off\n");
        }
    }
    fprintf(f, "unset multiplot\n");
    fclose(f);
    return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one text table printer of the renderers (render_int.h): `xenplm
 * list` and the allocation table xenplmd prints both go through it, so
 * their columns line up, and are titled, the same way.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/render_int.h"

static void grid_row(FILE *f, const char *prefix, const struct rnd_col *cols, size_t ncols,
                     const size_t *width, const char *const *cells)
{
    fputs(prefix, f);
    for (size_t col = 0; col < ncols; col++) {
        int pad = (int)(width[col] - strlen(cells[col]));

        if (col)
            fputs("  ", f);
        if (cols[col].right)
            fprintf(f, "%*s%s", pad, "", cells[col]);
        else if (col == ncols - 1)
            fputs(cells[col], f); /* no trailing blanks */
        else
            fprintf(f, "%s%*s", cells[col], pad, "");
    }
    fputc('\n', f);
}

void rnd_grid(FILE *f, const char *prefix, const struct rnd_col *cols, size_t ncols, size_t nrows,
              rnd_cell_fn *cell, const void *ctx)
{
    size_t width[RND_GRID_MAX_COLS] = {0};
    const char *cells[RND_GRID_MAX_COLS] = {0};
    char buf[RND_GRID_MAX_COLS][CELL_MAX];

    if (ncols > RND_GRID_MAX_COLS)
        ncols = RND_GRID_MAX_COLS;
    /* Two passes, formatting each cell twice, rather than holding a whole
     * table of cells: widths first, then the rows. */
    for (size_t col = 0; col < ncols; col++) {
        cells[col] = cols[col].title;
        width[col] = strlen(cols[col].title);
    }
    for (size_t row = 0; row < nrows; row++) {
        for (size_t col = 0; col < ncols; col++) {
            cell(ctx, row, col, buf[col], CELL_MAX);
            if (strlen(buf[col]) > width[col])
                width[col] = strlen(buf[col]);
        }
    }
    grid_row(f, prefix, cols, ncols, width, cells);
    for (size_t col = 0; col < ncols; col++)
        cells[col] = buf[col];
    for (size_t row = 0; row < nrows; row++) {
        for (size_t col = 0; col < ncols; col++)
            cell(ctx, row, col, buf[col], CELL_MAX);
        grid_row(f, prefix, cols, ncols, width, cells);
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-refusal-paint.h: the picture when there is no pool to draw — vLLM
 * would not start, or the serving view has no run — so every view says the
 * reason where the cards, bars and grid would be, never a previous pool. */

#pragma once

#include <cairo.h>

#include "kvp-theme.h"

G_BEGIN_DECLS

/* Fills width × height with the theme's background and, centred, @title in
 * large type over @reason, wrapped to the width. */
void  kvp_refusal_paint    (cairo_t        *cr,
                            const KvpTheme *theme,
                            double          width,
                            double          height,
                            const char     *title,
                            const char     *reason);
/* A refusal that leaves the picture as it was (a workload file not read,
 * the previous run kept): @title over @reason on a card, centred over
 * @area (the part of the picture it names), drawn over what is there;
 * the card's rectangle in @out_card. */
void  kvp_refusal_paint_notice (cairo_t                 *cr,
                                const KvpTheme          *theme,
                                const cairo_rectangle_t *area,
                                const char              *title,
                                const char              *reason,
                                cairo_rectangle_t       *out_card);
/* The picture's accessible description: the title and the reason. */
char *kvp_refusal_describe (const char     *title,
                            const char     *reason);

G_END_DECLS

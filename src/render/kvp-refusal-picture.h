/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-refusal-picture.h: the refusal (kvp-refusal-paint.h: vLLM would not
 * start, or the serving view has no run) as a KvpPicture, so a canvas shows
 * and describes it as it does any other picture. */

#pragma once

#include "kvp-picture.h"

G_BEGIN_DECLS

KvpPicture *kvp_refusal_picture_new        (const KvpTheme *theme,
                                            double          width,
                                            double          height,
                                            const char     *title,
                                            const char     *reason);
/* Whether picture shows title over reason. */
gboolean    kvp_refusal_picture_shows      (KvpPicture     *picture,
                                            const char     *title,
                                            const char     *reason);

G_END_DECLS

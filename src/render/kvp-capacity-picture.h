/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-capacity-picture.h: the capacity picture of a sweep (the paper's
 * Figure 12) as a KvpPicture, so it is exported through the one entry point
 * the other pictures use. */

#pragma once

#include "kvp-picture.h"
#include "kvp-sweep.h"

G_BEGIN_DECLS

/* What kvp_capacity_paint draws of sweep, at any size. */
KvpPictureSource *kvp_capacity_source_new (KvpSweep *sweep);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kvp-request-queue.h: the waiting queue of a serving run, a ring of request
 * ids: arrivals join the tail, preempted requests the head (as vLLM v1's
 * waiting.prepend_request), admission pops the head. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint32 *items;
  guint    capacity;
  guint    head;
  guint    len;
} KvpRequestQueue;

static inline void
kvp_request_queue_init (KvpRequestQueue *queue,
                        guint            capacity)
{
  queue->items = g_new (guint32, MAX (capacity, 1));
  queue->capacity = MAX (capacity, 1);
  queue->head = 0;
  queue->len = 0;
}

static inline void
kvp_request_queue_clear (KvpRequestQueue *queue)
{
  g_clear_pointer (&queue->items, g_free);
}

static inline void
kvp_request_queue_copy (KvpRequestQueue       *dest,
                        const KvpRequestQueue *src)
{
  *dest = *src;
  dest->items = g_memdup2 (src->items, sizeof (guint32) * src->capacity);
}

static inline void
kvp_request_queue_push_tail (KvpRequestQueue *queue,
                             guint32          id)
{
  g_assert (queue->len < queue->capacity);
  queue->items[(queue->head + queue->len++) % queue->capacity] = id;
}

static inline void
kvp_request_queue_push_head (KvpRequestQueue *queue,
                             guint32          id)
{
  g_assert (queue->len < queue->capacity);
  queue->head = (queue->head + queue->capacity - 1) % queue->capacity;
  queue->items[queue->head] = id;
  queue->len++;
}

static inline guint32
kvp_request_queue_peek (const KvpRequestQueue *queue,
                        guint                  i)
{
  return queue->items[(queue->head + i) % queue->capacity];
}

static inline guint32
kvp_request_queue_pop_head (KvpRequestQueue *queue)
{
  guint32 id = queue->items[queue->head];

  g_assert (queue->len > 0);
  queue->head = (queue->head + 1) % queue->capacity;
  queue->len--;

  return id;
}

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-vllm-log.c: the vLLM log reader and the comparison behind --from-log.
 * A log is untrusted text: any bytes, any length.  It is refused with one
 * clean line, or read into settings and figures that hold together;
 * nothing crashes, hangs or leaks. */

#include "config.h"

#include "fuzz-common.h"
#include "kvp-model.h"
#include "kvp-vllm-log.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KvpVllmLog) log = NULL;
  g_autoptr(JsonNode) from_log = NULL;
  g_auto(GStrv) lines = NULL;
  KvpVllmLogOptions options = { 0 };
  JsonArray *figures;

  log = kvp_vllm_log_parse ((const char *) data, size, "fuzz.log", &error);
  if (log == NULL)
    {
      fuzz_check_message (error);
      return 0;
    }
  if (log->kv_lines == 0 || (log->vllm_version != NULL && !g_utf8_validate (log->vllm_version, -1, NULL)) ||
      (log->model != NULL && !g_utf8_validate (log->model, -1, NULL)))
    fuzz_fail ("a log was read without a KV line, or with text that is not UTF-8");

  options.model = kvp_model_lookup ("llama-3-8b", NULL);
  options.model_dtype = KVP_DTYPE_BF16;
  from_log = kvp_vllm_log_compare (log, &options, &error);
  if (from_log == NULL)
    {
      fuzz_check_message (error);
      return 0;
    }

  figures = json_object_get_array_member (json_node_get_object (from_log), "figures");
  for (guint i = 0; i < json_array_get_length (figures); i++)
    {
      JsonObject *figure = json_array_get_object_element (figures, i);

      if (!json_object_get_null_member (figure, "kvpage"))
        {
          JsonObject *range = json_object_get_object_member (figure, "kvpage");

          if (json_object_get_double_member (range, "min") > json_object_get_double_member (range, "max"))
            fuzz_fail ("a figure's range runs backwards");
        }
    }

  lines = kvp_vllm_log_describe (from_log);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_utf8_validate (lines[i], -1, NULL) || strchr (lines[i], '\n') != NULL)
      fuzz_fail ("a line of the comparison is not one line of UTF-8");
  return 0;
}

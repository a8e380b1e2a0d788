/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* runs a fuzz target over every file of its seed corpus, for builds without libFuzzer */
#include "config.h"

#include <gio/gio.h>

#include "fuzz-common.h"

int
main (int argc, char **argv)
{
  guint count = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS-DIR|FILE...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
      const gchar *name;

      if (dir == NULL)
        {
          g_autofree gchar *contents = NULL;
          gsize len = 0;

          if (!g_file_get_contents (argv[i], &contents, &len, &error))
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          LLVMFuzzerTestOneInput ((const guint8 *) contents, len);
          count++;
          continue;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *path = g_build_filename (argv[i], name, NULL);
          g_autofree gchar *contents = NULL;
          gsize len = 0;

          if (!g_file_get_contents (path, &contents, &len, &error))
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          LLVMFuzzerTestOneInput ((const guint8 *) contents, len);
          count++;
        }
    }
  if (count == 0)
    {
      g_printerr ("no corpus inputs found\n");
      return 1;
    }
  g_print ("replayed %u inputs\n", count);
  return 0;
}

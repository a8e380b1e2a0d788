/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "weft-agent-private.h"
#include "weft-error.h"

/* skills from skill directories: skill.json describes the skill, an
 * executable handler implements it. The handler gets the arguments as one
 * JSON object on stdin and prints the result on stdout; a non-zero exit
 * fails the call with stderr as the error. See docs/skills.md. */

#define MAX_OUTPUT (1024 * 1024)
#define MAX_STDERR (16 * 1024)

static const gchar *const handler_names[] = { "run", "handler", "run.sh", "run.py", NULL };

typedef struct
{
  gchar *dir;      /* (owned) */
  gchar *handler;  /* (owned) */
  gchar *agent;    /* (owned) */
  gchar *registry; /* (owned) */
  guint timeout;   /* seconds, 0 for none */
} ExecSkill;

static void
exec_skill_free (ExecSkill *e)
{
  g_free (e->dir);
  g_free (e->handler);
  g_free (e->agent);
  g_free (e->registry);
  g_free (e);
}

typedef struct
{
  GSubprocess *proc;            /* (owned) */
  GByteArray *out;              /* (owned) */
  GByteArray *err;              /* (owned) */
  gchar *skill;                 /* (owned) */
  GCancellable *cancellable;    /* (owned) (nullable) */
  GCancellable *io_cancellable; /* (owned) stops the pipe reads once the handler is gone */
  gulong cancel_id;
  guint timeout_id;
  guint timeout;
  gboolean timed_out;
  guint pending; /* stdout, stderr and the exit still to come */
  gboolean too_large;
  gboolean cancelled;
} ExecRun;

static void
exec_run_free (ExecRun *r)
{
  if (r->cancel_id != 0)
    g_cancellable_disconnect (r->cancellable, r->cancel_id);
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  g_clear_object (&r->cancellable);
  g_clear_object (&r->io_cancellable);
  g_clear_object (&r->proc);
  g_byte_array_unref (r->out);
  g_byte_array_unref (r->err);
  g_free (r->skill);
  g_free (r);
}

/* the handler runs in its own process group: stop it and whatever it started,
 * so that a grandchild holding the pipes open cannot keep the call alive */
static void
kill_handler (ExecRun *r)
{
  const gchar *id = g_subprocess_get_identifier (r->proc);

  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), SIGKILL);
  g_subprocess_force_exit (r->proc);
}

static void
exec_finish (GTask *task)
{
  ExecRun *r = g_task_get_task_data (task);
  g_autofree gchar *stderr_text = NULL;
  gsize len;

  g_clear_handle_id (&r->timeout_id, g_source_remove);
  if (r->timed_out)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                               _ ("skill %s did not finish within %u s (weft.task_timeout); it was "
                                  "stopped"),
                               r->skill, r->timeout);
      return;
    }
  if (r->cancelled)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_CANCELLED, _ ("skill %s was stopped"),
                               r->skill);
      return;
    }
  if (r->too_large)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                               _ ("skill %s printed more than %d bytes; it was stopped"), r->skill,
                               MAX_OUTPUT);
      return;
    }
  /* terminate both buffers: an empty GByteArray has no data at all */
  g_byte_array_append (r->err, (const guint8 *) "", 1);
  g_byte_array_append (r->out, (const guint8 *) "", 1);
  g_byte_array_set_size (r->out, r->out->len - 1);
  stderr_text = g_utf8_make_valid ((const gchar *) r->err->data, -1);
  g_strstrip (stderr_text);
  if (!g_subprocess_get_successful (r->proc))
    {
      if (g_subprocess_get_if_signaled (r->proc))
        g_task_return_new_error (
          task, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("skill %s was killed by signal %d%s%s"), r->skill,
          g_subprocess_get_term_sig (r->proc), *stderr_text ? ": " : "", stderr_text);
      else if (*stderr_text != '\0')
        g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_FAILED, "%s", stderr_text);
      else
        g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_FAILED,
                                 _ ("skill %s exited with status %d"), r->skill,
                                 g_subprocess_get_exit_status (r->proc));
      return;
    }
  len = r->out->len;
  if (!g_utf8_validate ((const gchar *) r->out->data, len, NULL) ||
      memchr (r->out->data, '\0', len) != NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                               _ ("skill %s printed something that is not UTF-8 text"), r->skill);
      return;
    }
  /* one trailing newline is how programs end their output, not part of it */
  if (len > 0 && r->out->data[len - 1] == '\n')
    len--;
  g_task_return_pointer (task, g_strndup ((const gchar *) r->out->data, len), g_free);
}

static void
step_done (GTask *task)
{
  ExecRun *r = g_task_get_task_data (task);

  if (--r->pending == 0)
    exec_finish (task);
  g_object_unref (task);
}

static void
read_more (GTask *task, GInputStream *stream, GByteArray *buf, gsize cap);

typedef struct
{
  GTask *task; /* (owned) */
  GByteArray *buf;
  gsize cap;
} ReadCtx;

static void
read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ReadCtx *ctx = user_data;
  GTask *task = ctx->task;
  ExecRun *r = g_task_get_task_data (task);
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res, NULL);
  gsize n = bytes != NULL ? g_bytes_get_size (bytes) : 0;

  if (n == 0)
    {
      step_done (task);
      g_free (ctx);
      return;
    }
  if (ctx->buf->len + n > ctx->cap)
    {
      if (ctx->buf == r->out && !r->too_large)
        {
          r->too_large = TRUE;
          kill_handler (r);
        }
      /* keep draining so the handler never blocks on a full pipe */
    }
  else
    g_byte_array_append (ctx->buf, g_bytes_get_data (bytes, NULL), n);
  read_more (task, G_INPUT_STREAM (source), ctx->buf, ctx->cap);
  g_free (ctx);
}

static void
read_more (GTask *task, GInputStream *stream, GByteArray *buf, gsize cap)
{
  ReadCtx *ctx = g_new0 (ReadCtx, 1);

  ctx->task = task;
  ctx->buf = buf;
  ctx->cap = cap;
  g_input_stream_read_bytes_async (stream, 65536, G_PRIORITY_DEFAULT,
                                   ((ExecRun *) g_task_get_task_data (task))->io_cancellable,
                                   read_cb, ctx);
}

static void
wait_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ExecRun *r = g_task_get_task_data (user_data);

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  /* a stopped handler's output no longer matters: do not wait for the pipes */
  if (r->timed_out || r->cancelled || r->too_large)
    g_cancellable_cancel (r->io_cancellable);
  step_done (user_data);
}

static void
write_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  /* a handler that does not read its input is fine */
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, NULL);
  g_output_stream_close (G_OUTPUT_STREAM (source), NULL, NULL);
  g_object_unref (user_data);
}

static void
cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  ExecRun *r = user_data;

  r->cancelled = TRUE;
  kill_handler (r);
}

static gboolean
exec_timeout_cb (gpointer user_data)
{
  ExecRun *r = user_data;

  r->timeout_id = 0;
  r->timed_out = TRUE;
  kill_handler (r);
  return G_SOURCE_REMOVE;
}

static void
child_setup (gpointer user_data)
{
  setpgid (0, 0);
}

static void
exec_invoke (WeftSkill *skill,
             JsonNode *args,
             GCancellable *cancellable,
             GTask *task,
             gpointer data)
{
  ExecSkill *e = data;
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *input = json_to_string (args, FALSE);
  const gchar *argv[] = { e->handler, NULL };
  ExecRun *r;

  g_subprocess_launcher_set_cwd (launcher, e->dir);
  g_subprocess_launcher_setenv (launcher, "WEFT_AGENT_NAME", e->agent, TRUE);
  g_subprocess_launcher_setenv (launcher, "WEFT_REGISTRY_URL", e->registry, TRUE);
  g_subprocess_launcher_setenv (launcher, "WEFT_SKILL_NAME", weft_skill_get_name (skill), TRUE);
  g_subprocess_launcher_setenv (launcher, "WEFT_SKILL_DIR", e->dir, TRUE);
  /* what chatixia's skills read */
  g_subprocess_launcher_setenv (launcher, "CHATIXIA_AGENT_ID", e->agent, TRUE);
  g_subprocess_launcher_setenv (launcher, "CHATIXIA_REGISTRY_URL", e->registry, TRUE);

  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  r = g_new0 (ExecRun, 1);
  r->io_cancellable = g_cancellable_new ();
  r->out = g_byte_array_new ();
  r->err = g_byte_array_new ();
  r->skill = g_strdup (weft_skill_get_name (skill));
  g_task_set_task_data (task, r, (GDestroyNotify) exec_run_free);
  r->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (r->proc == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_FAILED,
                               _ ("cannot run the handler of skill %s (%s): %s"), r->skill,
                               e->handler, error->message);
      g_object_unref (task);
      return;
    }
  if (cancellable != NULL)
    {
      r->cancellable = g_object_ref (cancellable);
      r->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), r, NULL);
    }
  r->pending = 3;
  r->timeout = e->timeout;
  if (e->timeout > 0)
    r->timeout_id = g_timeout_add_seconds (e->timeout, exec_timeout_cb, r);
  {
    GOutputStream *stdin_pipe = g_subprocess_get_stdin_pipe (r->proc);
    gsize len = strlen (input);

    /* the task keeps the text alive while it is written */
    g_object_set_data_full (G_OBJECT (task), "weft-stdin", g_steal_pointer (&input), g_free);
    g_output_stream_write_all_async (stdin_pipe, g_object_get_data (G_OBJECT (task), "weft-stdin"),
                                     len, G_PRIORITY_DEFAULT, NULL, write_cb, g_object_ref (task));
  }
  read_more (g_object_ref (task), g_subprocess_get_stdout_pipe (r->proc), r->out, MAX_OUTPUT);
  read_more (g_object_ref (task), g_subprocess_get_stderr_pipe (r->proc), r->err, MAX_STDERR);
  g_subprocess_wait_async (r->proc, NULL, wait_cb, task);
}

static gchar *
find_handler (const gchar *dir, const gchar *skill_name)
{
  for (guint i = 0; handler_names[i] != NULL; i++)
    {
      g_autofree gchar *path = g_build_filename (dir, handler_names[i], NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&path);
    }
  if (skill_name != NULL)
    {
      g_autofree gchar *path = g_build_filename (dir, skill_name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* a handler that exits without reading its input must not kill the agent
 * with SIGPIPE when we write the arguments; a handler installed by the
 * application is left alone */
static void
ignore_sigpipe_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      struct sigaction old;

      if (sigaction (SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal (SIGPIPE, SIG_IGN);
      g_once_init_leave (&done, 1);
    }
}

WeftSkill *
weft_agent_load_exec_skill (WeftAgent *self, const gchar *dir, GError **error)
{
  g_autofree gchar *json_path = g_build_filename (dir, "skill.json", NULL);
  g_autofree gchar *abs_dir = NULL;
  g_autoptr (WeftSkill) skill = NULL;
  ExecSkill *e;
  g_autofree gchar *handler = NULL;

  if (!g_file_test (json_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND,
                   _ ("%s: no skill.json; a skill directory holds skill.json and an executable "
                      "handler named run"),
                   dir);
      return NULL;
    }
  ignore_sigpipe_once ();
  abs_dir = g_canonicalize_filename (dir, NULL);
  e = g_new0 (ExecSkill, 1);
  e->dir = g_strdup (abs_dir);
  e->agent = g_strdup (self->name);
  e->registry = g_strdup (weft_registry_client_get_base_url (self->client));
  e->timeout = self->task_timeout;
  {
    /* a placeholder name until skill.json gives the real one */
    g_autofree gchar *base = g_path_get_basename (abs_dir);
    skill = weft_skill_new (base, "", exec_invoke, e, (GDestroyNotify) exec_skill_free);
  }
  if (!weft_skill_load_from_file (skill, json_path, error))
    return NULL;
  handler = find_handler (abs_dir, weft_skill_get_name (skill));
  if (handler == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND,
                   _ ("%s: no executable handler; add an executable file named run (chmod +x)"),
                   dir);
      return NULL;
    }
  e->handler = g_steal_pointer (&handler);
  return g_steal_pointer (&skill);
}

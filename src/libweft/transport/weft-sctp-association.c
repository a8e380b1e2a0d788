/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <usrsctp.h>

#include "weft-error.h"
#include "weft-sctp-association.h"

/* one SCTP association over DTLS (RFC 8261) on usrsctp's AF_CONN sockets.
 *
 * usrsctp runs without threads of its own: the process-wide stack below
 * drives its timers from a GLib timer while associations exist. usrsctp
 * hands outgoing packets to a global callback with the address we bound;
 * that address is a random id looked up in a registry, so a packet for an
 * association that is gone is dropped. the socket upcall only schedules
 * this association's work source: reads, notifications and every signal
 * run from there, never from inside usrsctp. */

#define SOCKET_BUFFER (1024 * 1024)
#define READ_BUFFER   (256 * 1024)
#define TICK_MS       10

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_MESSAGE,
  SIGNAL_MESSAGE_TOO_LARGE,
  SIGNAL_STREAM_RESET,
  SIGNAL_BUFFERED_AMOUNT_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct
{
  guint16 sid;
  guint32 ppid;
  gboolean unordered;
  WeftSctpPrPolicy pr_policy;
  guint32 pr_value;
  GBytes *data; /* (owned) (nullable) NULL: reset the stream */
} PendingMessage;

typedef struct
{
  GSource source;
  WeftSctpAssociation *self; /* (unowned) */
} WorkSource;

struct _WeftSctpAssociation
{
  GObject parent_instance;

  GMainContext *context; /* (owned) */
  guint32 id;
  struct socket *sock; /* (owned) (nullable) */
  guint16 local_port;
  guint16 remote_port;
  gsize max_receive_size;
  WeftSctpState state;
  gboolean registered;

  WeftTransportPacketFunc output_func;
  gpointer output_data;
  WeftTransportBurstFunc burst_func;
  gpointer burst_data;

  GSource *work;       /* (owned) */
  gint work_scheduled; /* atomic */
  gboolean in_input;   /* inside usrsctp_conninput() from handle_packet() */
  gboolean input_work; /* an upcall came during that input */

  GByteArray *partial; /* (owned) a message not yet complete (no MSG_EOR) */
  guint16 partial_sid;
  guint32 partial_ppid;
  gboolean partial_discard; /* dropping the rest of an oversized message */
  guint8 *read_buffer;      /* (owned) READ_BUFFER bytes */

  GQueue send_queue;                     /* (element-type PendingMessage) (owned) */
  gsize buffered[WEFT_SCTP_MAX_STREAMS]; /* queued bytes per stream */
};

G_DEFINE_TYPE (WeftSctpAssociation, weft_sctp_association, G_TYPE_OBJECT)

/* ---- the process-wide usrsctp stack ---- */

static GMutex stack_lock;
static GHashTable *stack_registry; /* (element-type guint32 WeftSctpAssociation) weak */
static guint stack_live;           /* associations alive */
static GSource *stack_tick;        /* (owned) (nullable) */
static gint64 stack_last_tick;
static gboolean stack_ready;

static int
stack_output (void *addr, void *buffer, size_t len, uint8_t tos, uint8_t set_df)
{
  guint32 id = GPOINTER_TO_UINT (addr);
  WeftSctpAssociation *self;

  g_mutex_lock (&stack_lock);
  self =
    stack_registry != NULL ? g_hash_table_lookup (stack_registry, GUINT_TO_POINTER (id)) : NULL;
  g_mutex_unlock (&stack_lock);
  if (self == NULL || self->output_func == NULL)
    return 0;
  /* crc32c is offloaded on input (DTLS protects integrity) but a peer
   * checks it, so fill it in here */
  if (len >= 12)
    {
      guint32 crc = 0;

      memcpy ((guint8 *) buffer + 8, &crc, 4);
      crc = usrsctp_crc32c (buffer, len);
      memcpy ((guint8 *) buffer + 8, &crc, 4);
    }
  self->output_func (buffer, len, self->output_data);
  return 0;
}

static void
stack_init_once (void)
{
  static gsize once = 0;

  if (!g_once_init_enter (&once))
    return;
  usrsctp_init_nothreads (0, stack_output, NULL);
  usrsctp_enable_crc32c_offload ();
  usrsctp_sysctl_set_sctp_ecn_enable (0);
  usrsctp_sysctl_set_sctp_pr_enable (1);
  usrsctp_sysctl_set_sctp_sendspace (SOCKET_BUFFER);
  usrsctp_sysctl_set_sctp_recvspace (SOCKET_BUFFER);
  usrsctp_sysctl_set_sctp_max_chunks_on_queue (10 * 1024);
  usrsctp_sysctl_set_sctp_initial_cwnd (10);
  usrsctp_sysctl_set_sctp_max_burst_default (10);
  usrsctp_sysctl_set_sctp_default_cc_module (0);
  usrsctp_sysctl_set_sctp_delayed_sack_time_default (20);
  usrsctp_sysctl_set_sctp_rto_min_default (200);
  usrsctp_sysctl_set_sctp_rto_max_default (10000);
  usrsctp_sysctl_set_sctp_rto_initial_default (1000);
  usrsctp_sysctl_set_sctp_init_rto_max_default (10000);
  usrsctp_sysctl_set_sctp_path_rtx_max_default (5);
  usrsctp_sysctl_set_sctp_assoc_rtx_max_default (5);
  usrsctp_sysctl_set_sctp_heartbeat_interval_default (10000);
  g_mutex_lock (&stack_lock);
  stack_registry = g_hash_table_new (NULL, NULL);
  stack_ready = TRUE;
  g_mutex_unlock (&stack_lock);
  g_once_init_leave (&once, 1);
}

static gboolean
stack_tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();
  guint32 elapsed = (guint32) ((now - stack_last_tick) / 1000);

  if (elapsed > 0)
    {
      /* keep the sub-millisecond remainder for the next tick */
      stack_last_tick += (gint64) elapsed * 1000;
      usrsctp_handle_timers (elapsed);
    }
  return G_SOURCE_CONTINUE;
}

static guint32
stack_register (WeftSctpAssociation *self)
{
  guint32 id;

  stack_init_once ();
  g_mutex_lock (&stack_lock);
  do
    id = g_random_int ();
  while (id == 0 || g_hash_table_contains (stack_registry, GUINT_TO_POINTER (id)));
  g_hash_table_insert (stack_registry, GUINT_TO_POINTER (id), self);
  if (stack_live++ == 0)
    {
      /* the timer lives on the context of whoever opened the first association */
      stack_last_tick = g_get_monotonic_time ();
      stack_tick = g_timeout_source_new (TICK_MS);
      g_source_set_callback (stack_tick, stack_tick_cb, NULL, NULL);
      g_source_set_static_name (stack_tick, "weft-sctp-timers");
      g_source_attach (stack_tick, self->context);
    }
  g_mutex_unlock (&stack_lock);
  usrsctp_register_address (GUINT_TO_POINTER (id));
  return id;
}

static void
stack_unregister (guint32 id)
{
  GSource *tick = NULL;

  usrsctp_deregister_address (GUINT_TO_POINTER (id));
  g_mutex_lock (&stack_lock);
  g_hash_table_remove (stack_registry, GUINT_TO_POINTER (id));
  if (--stack_live == 0)
    tick = g_steal_pointer (&stack_tick);
  g_mutex_unlock (&stack_lock);
  if (tick != NULL)
    {
      g_source_destroy (tick);
      g_source_unref (tick);
    }
}

/*
 * weft_sctp_association_get_n_live:
 *
 * Returns: the number of associations alive in the process (for leak tests)
 */
guint
weft_sctp_association_get_n_live (void)
{
  guint n;

  g_mutex_lock (&stack_lock);
  n = stack_live;
  g_mutex_unlock (&stack_lock);
  return n;
}

/*
 * weft_sctp_association_shutdown_stack:
 *
 * Frees usrsctp's global state at process exit once every association is
 * gone. usrsctp cannot be initialised again afterwards in this process.
 */
void
weft_sctp_association_shutdown_stack (void)
{
  gboolean ready;

  g_mutex_lock (&stack_lock);
  ready = stack_ready && stack_live == 0;
  g_mutex_unlock (&stack_lock);
  if (!ready)
    return;
  for (int i = 0; i < 100 && usrsctp_finish () != 0; i++)
    {
      usrsctp_handle_timers (100);
      g_usleep (1000);
    }
  g_mutex_lock (&stack_lock);
  g_clear_pointer (&stack_registry, g_hash_table_unref);
  stack_ready = FALSE;
  g_mutex_unlock (&stack_lock);
}

/* ---- one association ---- */

static void
pending_free (PendingMessage *m)
{
  g_clear_pointer (&m->data, g_bytes_unref);
  g_free (m);
}

static void
set_state (WeftSctpAssociation *self, WeftSctpState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint) state);
}

static void
schedule_work (WeftSctpAssociation *self)
{
  if (g_atomic_int_compare_and_exchange (&self->work_scheduled, 0, 1))
    g_source_set_ready_time (self->work, 0);
}

static void
upcall_cb (struct socket *sock, void *arg, int flags)
{
  WeftSctpAssociation *self = arg;

  /* inside usrsctp: only note it. during our own input the work runs as
   * soon as usrsctp returns, which saves a main loop wake-up per packet */
  if (self->in_input)
    self->input_work = TRUE;
  else
    schedule_work (self);
}

static void
handle_notification (WeftSctpAssociation *self, const union sctp_notification *n, gsize len)
{
  if (len < sizeof (n->sn_header))
    return;
  switch (n->sn_header.sn_type)
    {
      case SCTP_ASSOC_CHANGE:
        if (len < sizeof (struct sctp_assoc_change))
          return;
        switch (n->sn_assoc_change.sac_state)
          {
            case SCTP_COMM_UP:
            case SCTP_RESTART:
              g_debug ("SCTP association %08x up", self->id);
              set_state (self, WEFT_SCTP_STATE_CONNECTED);
              break;
            case SCTP_COMM_LOST:
            case SCTP_SHUTDOWN_COMP:
            case SCTP_CANT_STR_ASSOC:
              g_debug ("SCTP association %08x down (%u)", self->id, n->sn_assoc_change.sac_state);
              set_state (self, WEFT_SCTP_STATE_CLOSED);
              break;
            default:
              break;
          }
        break;
      case SCTP_STREAM_RESET_EVENT:
        {
          const struct sctp_stream_reset_event *ev = &n->sn_strreset_event;
          gsize count;

          g_debug ("SCTP %08x: stream reset event flags %x", self->id, ev->strreset_flags);
          if (len < sizeof (*ev) || !(ev->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) ||
              (ev->strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)))
            return;
          count = (MIN (len, ev->strreset_length) - sizeof (*ev)) / sizeof (guint16);
          for (gsize i = 0; i < count && self->state != WEFT_SCTP_STATE_CLOSED; i++)
            g_signal_emit (self, signals[SIGNAL_STREAM_RESET], 0,
                           (guint) ev->strreset_stream_list[i]);
        }
        break;
      case SCTP_SENDER_DRY_EVENT:
      default:
        break;
    }
}

static void
deliver (WeftSctpAssociation *self,
         guint16 sid,
         guint32 ppid,
         const guint8 *data,
         gsize len,
         gboolean eor)
{
  if (eor && self->partial->len == 0 && !self->partial_discard)
    {
      g_autoptr (GBytes) bytes = NULL;

      if (len > self->max_receive_size)
        {
          g_signal_emit (self, signals[SIGNAL_MESSAGE_TOO_LARGE], 0, (guint) sid);
          return;
        }
      bytes = g_bytes_new (data, len);
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, (guint) sid, (guint) ppid, bytes);
      return;
    }

  if (!self->partial_discard)
    {
      if (self->partial->len + len > self->max_receive_size)
        {
          g_byte_array_set_size (self->partial, 0);
          self->partial_discard = TRUE;
          g_signal_emit (self, signals[SIGNAL_MESSAGE_TOO_LARGE], 0, (guint) sid);
        }
      else
        {
          g_byte_array_append (self->partial, data, (guint) len);
          self->partial_sid = sid;
          self->partial_ppid = ppid;
        }
    }
  if (eor)
    {
      if (!self->partial_discard)
        {
          g_autoptr (GBytes) bytes = NULL;

          bytes = g_bytes_new (self->partial->data, self->partial->len);
          g_byte_array_set_size (self->partial, 0);
          g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, (guint) self->partial_sid,
                         (guint) self->partial_ppid, bytes);
        }
      self->partial_discard = FALSE;
      g_byte_array_set_size (self->partial, 0);
    }
}

static void
drain (WeftSctpAssociation *self)
{
  while (self->sock != NULL && self->state != WEFT_SCTP_STATE_CLOSED)
    {
      struct sctp_rcvinfo info;
      socklen_t info_len = sizeof info;
      unsigned int info_type = 0;
      socklen_t from_len = 0;
      int flags = 0;
      ssize_t n;

      n = usrsctp_recvv (self->sock, self->read_buffer, READ_BUFFER, NULL, &from_len, &info,
                         &info_len, &info_type, &flags);
      if (n < 0)
        {
          if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINPROGRESS)
            g_debug ("SCTP receive on %08x: %s", self->id, g_strerror (errno));
          return;
        }
      if (n == 0)
        {
          /* the association shut down */
          set_state (self, WEFT_SCTP_STATE_CLOSED);
          return;
        }
      if (flags & MSG_NOTIFICATION)
        {
          /* notifications fit the buffer whole */
          handle_notification (self, (const union sctp_notification *) self->read_buffer,
                               (gsize) n);
          continue;
        }
      if (info_type != SCTP_RECVV_RCVINFO)
        continue;
      deliver (self, info.rcv_sid, g_ntohl (info.rcv_ppid), self->read_buffer, (gsize) n,
               (flags & MSG_EOR) != 0);
    }
}

static gboolean
reset_now (WeftSctpAssociation *self, guint16 sid)
{
  guint8 buf[sizeof (struct sctp_reset_streams) + sizeof (guint16)];
  struct sctp_reset_streams *srs = (struct sctp_reset_streams *) buf;

  memset (buf, 0, sizeof buf);
  srs->srs_assoc_id = SCTP_ALL_ASSOC;
  srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  srs->srs_number_streams = 1;
  srs->srs_stream_list[0] = sid;
  if (usrsctp_setsockopt (self->sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, sizeof buf) == 0)
    {
      g_debug ("SCTP %08x: reset stream %u", self->id, sid);
      return TRUE;
    }
  g_debug ("SCTP %08x: reset stream %u: %s", self->id, sid, g_strerror (errno));
  /* EALREADY/EAGAIN: a reset is in progress; try again on the next event */
  if (errno == EAGAIN || errno == EALREADY || errno == EBUSY)
    return FALSE;
  g_debug ("SCTP stream %u reset failed: %s", sid, g_strerror (errno));
  return TRUE;
}

/* returns: 0 sent, EAGAIN no room, other errno: dropped */
static int
send_now (WeftSctpAssociation *self, const PendingMessage *m)
{
  struct sctp_sendv_spa spa;
  gsize len;
  const guint8 *data = g_bytes_get_data (m->data, &len);

  memset (&spa, 0, sizeof spa);
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = m->sid;
  spa.sendv_sndinfo.snd_ppid = g_htonl (m->ppid);
  spa.sendv_sndinfo.snd_flags = SCTP_EOR | (m->unordered ? SCTP_UNORDERED : 0);
  if (m->pr_policy != WEFT_SCTP_PR_NONE)
    {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy =
        m->pr_policy == WEFT_SCTP_PR_RTX ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
      spa.sendv_prinfo.pr_value = m->pr_value;
    }
  if (usrsctp_sendv (self->sock, data, len, NULL, 0, &spa, sizeof spa, SCTP_SENDV_SPA, 0) >= 0)
    return 0;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
    return EAGAIN;
  return errno;
}

static void
flush (WeftSctpAssociation *self)
{
  guint8 changed[WEFT_SCTP_MAX_STREAMS] = { 0 };
  GArray *touched = NULL;

  while (self->state == WEFT_SCTP_STATE_CONNECTED && !g_queue_is_empty (&self->send_queue))
    {
      PendingMessage *m = g_queue_peek_head (&self->send_queue);

      if (m->data == NULL)
        {
          if (!reset_now (self, m->sid))
            break;
        }
      else
        {
          int rc = send_now (self, m);

          if (rc == EAGAIN)
            break;
          if (rc != 0)
            g_debug ("SCTP send on stream %u dropped: %s", m->sid, g_strerror (rc));
          self->buffered[m->sid] -= g_bytes_get_size (m->data);
          if (touched == NULL)
            touched = g_array_new (FALSE, FALSE, sizeof (guint16));
          if (!changed[m->sid])
            {
              changed[m->sid] = 1;
              g_array_append_val (touched, m->sid);
            }
        }
      pending_free (g_queue_pop_head (&self->send_queue));
    }
  if (touched != NULL)
    {
      /* signals last: a handler may send again, which re-enters flush */
      for (guint i = 0; i < touched->len; i++)
        {
          guint16 sid = g_array_index (touched, guint16, i);

          g_signal_emit (self, signals[SIGNAL_BUFFERED_AMOUNT_CHANGED], 0, (guint) sid,
                         (guint64) self->buffered[sid]);
        }
      g_array_unref (touched);
    }
}

static gboolean
work_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  WeftSctpAssociation *self = ((WorkSource *) source)->self;

  g_source_set_ready_time (source, -1);
  g_atomic_int_set (&self->work_scheduled, 0);
  g_object_ref (self);
  drain (self);
  flush (self);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs work_funcs = { NULL, NULL, work_dispatch, NULL, NULL, NULL };

static gboolean
setopt (WeftSctpAssociation *self,
        int level,
        int name,
        const void *value,
        socklen_t len,
        const char *what,
        GError **error)
{
  if (usrsctp_setsockopt (self->sock, level, name, value, len) == 0)
    return TRUE;
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
               /* TRANSLATORS: %s is a socket option name, then a system error */
               _ ("Could not set the SCTP socket option %s: %s"), what, g_strerror (errno));
  return FALSE;
}

static gboolean
configure_socket (WeftSctpAssociation *self, GError **error)
{
  const int on = 1;
  const int zero = 0;
  const int buffer = SOCKET_BUFFER;
  const guint16 event_types[] = { SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT,
                                  SCTP_SENDER_DRY_EVENT };
  struct linger linger = { 1, 0 };
  struct sctp_assoc_value reset = { 0 };
  struct sctp_initmsg init = { 0 };
  struct sctp_paddrparams paddr;

  reset.assoc_id = SCTP_ALL_ASSOC;
  reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
  init.sinit_num_ostreams = WEFT_SCTP_MAX_STREAMS;
  init.sinit_max_instreams = WEFT_SCTP_MAX_STREAMS;
  memset (&paddr, 0, sizeof paddr);
  paddr.spp_flags = SPP_PMTUD_DISABLE;
  paddr.spp_pathmtu = WEFT_TRANSPORT_SCTP_MTU;

  if (usrsctp_set_non_blocking (self->sock, 1) < 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                   _ ("Could not make the SCTP socket non-blocking: %s"), g_strerror (errno));
      return FALSE;
    }
  if (!setopt (self, SOL_SOCKET, SO_LINGER, &linger, sizeof linger, "SO_LINGER", error) ||
      !setopt (self, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &reset, sizeof reset,
               "SCTP_ENABLE_STREAM_RESET", error) ||
      !setopt (self, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on, "SCTP_RECVRCVINFO", error) ||
      !setopt (self, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof on, "SCTP_NODELAY", error) ||
      !setopt (self, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof init, "SCTP_INITMSG", error) ||
      !setopt (self, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &paddr, sizeof paddr,
               "SCTP_PEER_ADDR_PARAMS", error) ||
      !setopt (self, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &zero, sizeof zero,
               "SCTP_FRAGMENT_INTERLEAVE", error) ||
      !setopt (self, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer, "SO_SNDBUF", error) ||
      !setopt (self, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer, "SO_RCVBUF", error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (event_types); i++)
    {
      struct sctp_event ev = { 0 };

      ev.se_assoc_id = SCTP_ALL_ASSOC;
      ev.se_type = event_types[i];
      ev.se_on = 1;
      if (!setopt (self, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev, "SCTP_EVENT", error))
        return FALSE;
    }
  return TRUE;
}

static void
close_socket (WeftSctpAssociation *self)
{
  if (self->sock != NULL)
    {
      usrsctp_set_upcall (self->sock, NULL, NULL);
      /* linger {1,0}: an abort goes out through the output function now */
      usrsctp_close (self->sock);
      self->sock = NULL;
    }
}

static void
weft_sctp_association_dispose (GObject *object)
{
  WeftSctpAssociation *self = WEFT_SCTP_ASSOCIATION (object);

  close_socket (self);
  if (self->registered)
    {
      stack_unregister (self->id);
      self->registered = FALSE;
    }
  self->output_func = NULL;
  if (self->work != NULL)
    {
      g_source_destroy (self->work);
      g_clear_pointer (&self->work, g_source_unref);
    }
  g_queue_clear_full (&self->send_queue, (GDestroyNotify) pending_free);
  G_OBJECT_CLASS (weft_sctp_association_parent_class)->dispose (object);
}

static void
weft_sctp_association_finalize (GObject *object)
{
  WeftSctpAssociation *self = WEFT_SCTP_ASSOCIATION (object);

  g_byte_array_unref (self->partial);
  g_free (self->read_buffer);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (weft_sctp_association_parent_class)->finalize (object);
}

static void
weft_sctp_association_class_init (WeftSctpAssociationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = weft_sctp_association_dispose;
  object_class->finalize = weft_sctp_association_finalize;

  /* state-changed (guint state): a WeftSctpState */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* message (guint sid, guint ppid, GBytes *data): one whole message */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_BYTES);
  /* message-too-large (guint sid): a message over max-receive-size was dropped */
  signals[SIGNAL_MESSAGE_TOO_LARGE] = g_signal_new ("message-too-large", type, G_SIGNAL_RUN_LAST, 0,
                                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* stream-reset (guint sid): the peer reset its outgoing stream sid */
  signals[SIGNAL_STREAM_RESET] = g_signal_new ("stream-reset", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                               NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* buffered-amount-changed (guint sid, guint64 amount): queued bytes went down */
  signals[SIGNAL_BUFFERED_AMOUNT_CHANGED] =
    g_signal_new ("buffered-amount-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT64);
}

static void
weft_sctp_association_init (WeftSctpAssociation *self)
{
  g_queue_init (&self->send_queue);
  self->partial = g_byte_array_new ();
  self->read_buffer = g_malloc (READ_BUFFER);
}

/*
 * weft_sctp_association_new:
 * @max_receive_size: the largest message accepted; larger ones are dropped
 *   and reported by "message-too-large"
 */
WeftSctpAssociation *
weft_sctp_association_new (guint16 local_port,
                           guint16 remote_port,
                           gsize max_receive_size,
                           GError **error)
{
  g_autoptr (WeftSctpAssociation) self = g_object_new (WEFT_TYPE_SCTP_ASSOCIATION, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->local_port = local_port;
  self->remote_port = remote_port;
  self->max_receive_size = max_receive_size == 0 ? G_MAXSIZE : max_receive_size;
  self->work = g_source_new (&work_funcs, sizeof (WorkSource));
  ((WorkSource *) self->work)->self = self;
  g_source_set_static_name (self->work, "weft-sctp-work");
  g_source_attach (self->work, self->context);

  self->id = stack_register (self);
  self->registered = TRUE;
  self->sock = usrsctp_socket (AF_CONN, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
  if (self->sock == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Could not create an SCTP socket: %s"),
                   g_strerror (errno));
      return NULL;
    }
  if (!configure_socket (self, error))
    return NULL;
  usrsctp_set_upcall (self->sock, upcall_cb, self);
  return g_steal_pointer (&self);
}

void
weft_sctp_association_set_output_func (WeftSctpAssociation *self,
                                       WeftTransportPacketFunc func,
                                       gpointer user_data)
{
  g_return_if_fail (WEFT_IS_SCTP_ASSOCIATION (self));
  self->output_func = func;
  self->output_data = user_data;
}

/* the packets of one send (up to a whole message's worth) are bracketed
 * by @func, so that the layer below can send them together */
void
weft_sctp_association_set_burst_func (WeftSctpAssociation *self,
                                      WeftTransportBurstFunc func,
                                      gpointer user_data)
{
  g_return_if_fail (WEFT_IS_SCTP_ASSOCIATION (self));
  self->burst_func = func;
  self->burst_data = user_data;
}

/*
 * weft_sctp_association_start:
 *
 * Binds and connects; both peers do so, which is SCTP's simultaneous open.
 * AF_CONN wants our own address on both calls.
 */
gboolean
weft_sctp_association_start (WeftSctpAssociation *self, GError **error)
{
  struct sockaddr_conn addr;

  g_return_val_if_fail (WEFT_IS_SCTP_ASSOCIATION (self), FALSE);
  if (self->state != WEFT_SCTP_STATE_NEW || self->sock == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The SCTP association was already started"));
      return FALSE;
    }
  memset (&addr, 0, sizeof addr);
  addr.sconn_family = AF_CONN;
  addr.sconn_port = g_htons (self->local_port);
  addr.sconn_addr = GUINT_TO_POINTER (self->id);
  if (usrsctp_bind (self->sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Could not bind the SCTP socket: %s"),
                   g_strerror (errno));
      return FALSE;
    }
  set_state (self, WEFT_SCTP_STATE_CONNECTING);
  addr.sconn_port = g_htons (self->remote_port);
  if (usrsctp_connect (self->sock, (struct sockaddr *) &addr, sizeof addr) < 0 &&
      errno != EINPROGRESS)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                   _ ("Could not start the SCTP association: %s"), g_strerror (errno));
      set_state (self, WEFT_SCTP_STATE_CLOSED);
      return FALSE;
    }
  return TRUE;
}

void
weft_sctp_association_handle_packet (WeftSctpAssociation *self, const guint8 *data, gsize len)
{
  g_return_if_fail (WEFT_IS_SCTP_ASSOCIATION (self));
  if (self->sock == NULL || self->state == WEFT_SCTP_STATE_CLOSED)
    return;
  g_object_ref (self);
  self->in_input = TRUE;
  usrsctp_conninput (GUINT_TO_POINTER (self->id), data, len, 0);
  self->in_input = FALSE;
  if (self->input_work)
    {
      /* out of usrsctp now: read and deliver */
      self->input_work = FALSE;
      drain (self);
      flush (self);
    }
  g_object_unref (self);
}

/*
 * weft_sctp_association_send:
 *
 * Queues one whole message. It goes out at once when usrsctp has room,
 * otherwise it waits in the association's queue and counts in the stream's
 * buffered amount.
 */
gboolean
weft_sctp_association_send (WeftSctpAssociation *self,
                            guint16 sid,
                            guint32 ppid,
                            gboolean unordered,
                            WeftSctpPrPolicy pr_policy,
                            guint32 pr_value,
                            GBytes *data,
                            GError **error)
{
  PendingMessage m = { sid, ppid, unordered, pr_policy, pr_value, data };
  PendingMessage *queued;

  g_return_val_if_fail (WEFT_IS_SCTP_ASSOCIATION (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (sid >= WEFT_SCTP_MAX_STREAMS)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("SCTP stream %u is out of range (at most %u streams)"), sid,
                   WEFT_SCTP_MAX_STREAMS);
      return FALSE;
    }
  if (self->state != WEFT_SCTP_STATE_CONNECTED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The SCTP association is not connected"));
      return FALSE;
    }
  if (g_queue_is_empty (&self->send_queue))
    {
      int rc;

      if (self->burst_func != NULL)
        self->burst_func (TRUE, self->burst_data);
      rc = send_now (self, &m);
      if (self->burst_func != NULL)
        self->burst_func (FALSE, self->burst_data);

      if (rc == 0)
        return TRUE;
      if (rc != EAGAIN)
        {
          g_set_error (error, WEFT_ERROR, rc == EMSGSIZE ? WEFT_ERROR_TOO_LARGE : WEFT_ERROR_FAILED,
                       _ ("Could not send on SCTP stream %u: %s"), sid, g_strerror (rc));
          return FALSE;
        }
    }
  queued = g_new (PendingMessage, 1);
  *queued = m;
  queued->data = g_bytes_ref (data);
  g_queue_push_tail (&self->send_queue, queued);
  self->buffered[sid] += g_bytes_get_size (data);
  return TRUE;
}

/* resets our outgoing stream after what is queued on it has gone out */
void
weft_sctp_association_reset_stream (WeftSctpAssociation *self, guint16 sid)
{
  PendingMessage *m;

  g_return_if_fail (WEFT_IS_SCTP_ASSOCIATION (self));
  if (self->state != WEFT_SCTP_STATE_CONNECTED || sid >= WEFT_SCTP_MAX_STREAMS)
    return;
  if (g_queue_is_empty (&self->send_queue) && reset_now (self, sid))
    return;
  m = g_new0 (PendingMessage, 1);
  m->sid = sid;
  g_queue_push_tail (&self->send_queue, m);
  schedule_work (self);
}

gsize
weft_sctp_association_get_buffered_amount (WeftSctpAssociation *self, guint16 sid)
{
  g_return_val_if_fail (WEFT_IS_SCTP_ASSOCIATION (self), 0);
  return sid < WEFT_SCTP_MAX_STREAMS ? self->buffered[sid] : 0;
}

/* aborts the association (linger 0) while the output path is still there */
void
weft_sctp_association_close (WeftSctpAssociation *self)
{
  g_return_if_fail (WEFT_IS_SCTP_ASSOCIATION (self));
  close_socket (self);
  g_queue_clear_full (&self->send_queue, (GDestroyNotify) pending_free);
  memset (self->buffered, 0, sizeof self->buffered);
  set_state (self, WEFT_SCTP_STATE_CLOSED);
}

/*
 * weft_sctp_association_set_path_mtu:
 *
 * Sets the largest SCTP packet (PMTU discovery stays off). The default
 * suits any path; a larger one only suits a path known to carry it, such
 * as loopback.
 */
gboolean
weft_sctp_association_set_path_mtu (WeftSctpAssociation *self, guint mtu, GError **error)
{
  struct sctp_paddrparams paddr;

  g_return_val_if_fail (WEFT_IS_SCTP_ASSOCIATION (self), FALSE);
  if (self->sock == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The SCTP association is closed"));
      return FALSE;
    }
  memset (&paddr, 0, sizeof paddr);
  /* once associated, the option names the path: our AF_CONN address */
  {
    struct sockaddr_conn *addr = (struct sockaddr_conn *) &paddr.spp_address;

    addr->sconn_family = AF_CONN;
    addr->sconn_port = g_htons (self->remote_port);
    addr->sconn_addr = GUINT_TO_POINTER (self->id);
  }
  paddr.spp_flags = SPP_PMTUD_DISABLE;
  paddr.spp_pathmtu = mtu;
  return setopt (self, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &paddr, sizeof paddr,
                 "SCTP_PEER_ADDR_PARAMS", error);
}

WeftSctpState
weft_sctp_association_get_state (WeftSctpAssociation *self)
{
  g_return_val_if_fail (WEFT_IS_SCTP_ASSOCIATION (self), WEFT_SCTP_STATE_CLOSED);
  return self->state;
}

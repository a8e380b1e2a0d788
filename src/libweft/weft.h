/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define __WEFT_INSIDE__

#include "weft-version-macros.h"
#include "weft-enums.h"
#include "weft-error.h"
#include "weft-message.h"
#include "weft-manifest.h"
#include "weft-task.h"
#include "weft-skill.h"
#include "weft-registry-client.h"
#include "weft-signaling.h"
#include "weft-peer.h"
#include "weft-agent.h"

#undef __WEFT_INSIDE__

// SPDX-License-Identifier: Apache-2.0
// See include/vmnet-broker-conformance.h.
#ifdef __linux__
#include "vmnet-broker-conformance.h"

#include "session.h"

vmnet_broker_return_t vbc_pipeline_acquire(vmnet_broker_session_t *session, const char *name, unsigned count) {
    return vb_session_pipeline_acquire(session, name, count);
}

int vbc_open_tap_by_name(vmnet_broker_session_t *session, const char *name, unsigned flags, unsigned queues,
                         vmnet_broker_holder_t holder, int *fds, vmnet_broker_interface_info_t *info,
                         vmnet_broker_return_t *status) {
    // A description holding only the name: open_tap sends nothing else.
    VmnetBroker__V1__Network net = VMNET_BROKER__V1__NETWORK__INIT;
    net.name = (char *)name;
    struct vmnet_broker_network by_name = {.reply = NULL, .net = &net};
    return vmnet_broker_session_open_tap_held_by(session, &by_name, flags, queues, holder, fds, info, status);
}
#endif

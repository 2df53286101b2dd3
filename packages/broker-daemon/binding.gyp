# SPDX-License-Identifier: Apache-2.0
# The daemon's native addon. Sources common to every OS live in native/src/common;
# each OS adds its own inside its condition (Linux: native/src/linux, macOS:
# native/src/darwin, owned by the macOS engineer).
{
  "targets": [
    {
      "target_name": "vmnet_broker_daemon",
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/src"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "sources": [
        "native/src/addon.cc",
        "native/src/common/register.cc",
        "native/src/common/fd.cc",
        "native/src/common/exec.cc",
        "native/src/common/accounts.cc",
        "native/src/common/fd_placement.cc",
        "native/src/common/memory.cc"
      ],
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "native/src/linux/register.cc",
            "native/src/linux/tap.cc",
            "native/src/linux/netif.cc",
            "native/src/linux/netns.cc",
            "native/src/linux/netns_link.cc",
            "native/src/linux/netns_info.cc",
            "native/src/linux/ipv4_dump.cc",
            "native/src/linux/veth_link.cc",
            "native/src/linux/bridge_link.cc",
            "native/src/linux/vxlan_link.cc",
            "native/src/linux/option_readers.cc",
            "native/src/linux/netlink_request.cc",
            "native/src/linux/link_watch.cc",
            "native/src/linux/nfnetlink.cc",
            "native/src/linux/nft_rules.cc",
            "native/src/linux/nft_table.cc",
            "native/src/linux/links.cc",
            "native/src/linux/route_events.cc",
            "native/src/linux/udp_bound.cc"
          ]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-fblocks", "-Wall", "-Wextra", "-Werror"]
          },
          "link_settings": {
            "libraries": ["-framework vmnet", "-framework CoreFoundation"]
          },
          "sources": [
            "native/src/darwin/register.cc",
            "native/src/darwin/xpc_value.cc",
            "native/src/darwin/xpc_listener.cc",
            "native/src/darwin/xpc_client.cc",
            "native/src/darwin/vmnet_options.cc",
            "native/src/darwin/vmnet_network.cc"
          ]
        }]
      ]
    }
  ]
}

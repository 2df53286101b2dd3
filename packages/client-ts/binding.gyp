# SPDX-License-Identifier: Apache-2.0
{
  "targets": [
    {
      "target_name": "vmnet_broker_socket",
      "sources": [
        "native/src/addon.cc",
        "native/src/errors.cc",
        "native/src/js_callback.cc",
        "native/src/socket_ops.cc",
        "native/src/listener.cc",
        "native/src/endpoint.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra"]
          }
        }]
      ]
    }
  ]
}

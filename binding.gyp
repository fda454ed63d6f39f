{
  "targets": [
    {
      "target_name": "stream_socket_server",
      "sources": [
        "native/addon.cc",
        "native/adopt.cc",
        "native/dgram.cc",
        "native/errno.cc",
        "native/fd_passing.cc",
        "native/file_id.cc",
        "native/handle.cc",
        "native/io.cc",
        "native/libstdcxx_compat.cc",
        "native/owned_fds.cc",
        "native/sockaddr.cc",
        "native/syscalls.cc",
        "native/unix_diag.cc",
        "native/watcher.cc"
      ],
      "defines": [
        "NAPI_VERSION=9",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": [
        "-std=c++17",
        "-fno-exceptions",
        "-fvisibility=hidden",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-isystem", "<!(node -p \"require('path').resolve(require('node-addon-api').include_dir)\")"
      ],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra", "-Werror"]
      }
    }
  ]
}

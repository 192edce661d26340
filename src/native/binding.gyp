{
  "targets": [
    {
      "target_name": "zero_copy",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["addon.c", "pair.c", "relay_loop.c"],
          "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-pthread", "-fvisibility=hidden"],
          "cflags!": ["-Wno-unused-parameter"],
          "ldflags": ["-pthread"],
          "configurations": {
            "Release": { "cflags!": ["-O3"], "cflags": ["-O2"] }
          }
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}

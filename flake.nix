{
  description = "infrarust-ts: a reverse proxy for Minecraft Java Edition on Effect 4";

  # A development shell with what `npm install`, `npm test` and `npm run bench` use:
  # Node 24 and npm, the C toolchain node-gyp needs for the zero_copy addon, and the real
  # peers the end-to-end tests and the benchmark talk to (HAProxy, nginx with its stream
  # module). `npm install` also brings its own Node 24 (the `node` package), so the shell's
  # Node is only the one that starts npm.
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
      in
      {
        devShells.default = pkgs.mkShell {
          packages = [
            pkgs.nodejs_24
            pkgs.python3
            pkgs.gnumake
            pkgs.gcc
            pkgs.haproxy
            pkgs.nginx
            pkgs.git
          ];
          shellHook = ''
            # npm scripts put node_modules/.bin first; outside them, use the project's Node too.
            export PATH="$PWD/node_modules/.bin:$PATH"
            # nginx from nixpkgs has the stream module built in; the tests load it as a module
            # on Debian, where it is a separate package (see test/support/Daemons.ts).
          '';
        };
      });
}

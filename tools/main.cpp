// tools/main.cpp — the estcheck executable: see tools/cli.hpp.
#include "tools/cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  return estcheck::run_cli(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}

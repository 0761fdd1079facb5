#include "cli/commands.hpp"

int main(int argc, char** argv) { return socmesh::cli::Run(argc, argv); }

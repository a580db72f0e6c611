using FSpiNN.Cli;

return CliApp.Run(args);

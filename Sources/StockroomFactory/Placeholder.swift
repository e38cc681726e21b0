// Placeholder: the factory module's sources come here.

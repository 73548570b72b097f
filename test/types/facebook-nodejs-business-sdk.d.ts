// Meta's SDK ships without type declarations; tests use it untyped.
declare module "facebook-nodejs-business-sdk";

import { Anchor, Text } from "@mantine/core";
import { Link } from "react-router";
import { PageTitle } from "./page.tsx";

export function NotFoundPage() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <Text>
        There is nothing at this address. <Anchor component={Link} to="/">Go to your business</Anchor>.
      </Text>
    </>
  );
}
